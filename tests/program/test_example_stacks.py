"""The staging and prod example stacks: valid configs that deploy cleanly against simulators standing in for
their servers (the files' hosts, fingerprints and CA files are replaced by the simulators' own)."""

from __future__ import annotations

import pytest
import yaml

from tests.program.stacks import PROJECT, StackRun


def stack_file(stack: str) -> dict:
    return yaml.safe_load((PROJECT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_example_stack_previews_deploys_and_converges(stack, pbs_sim_factory, tmp_path):
    config = stack_file(stack)
    server_names = sorted(config["pbs-replication:servers"])
    sims = {name: pbs_sim_factory(name) for name in server_names}
    remote_keys = sorted(config["pbs-replication:remotes"])
    run = StackRun(stack, tmp_path, sims, remotePasswords={k: f"secret-of-{k}" for k in remote_keys})

    preview = run.preview()
    assert preview.ok, preview.diagnostics
    jobs = [
        k for section in ("syncJobs", "pruneJobs", "verifyJobs") for k in config[f"pbs-replication:{section}"]
    ]
    expected = {("create", k) for k in remote_keys} | {("create", k) for k in jobs}
    assert set(preview.ops()) == expected

    up = run.up()
    assert up.ok, up.diagnostics
    for key, job in config["pbs-replication:syncJobs"].items():
        sim = sims[job["server"]]
        live = sim.api("GET", f"/config/sync/{key}").json()["data"]
        assert live["remote"] == job["remote"] and live["schedule"] == job["schedule"]
    for section, path in (("pruneJobs", "prune"), ("verifyJobs", "verify")):
        for key, job in config[f"pbs-replication:{section}"].items():
            live = sims[job["server"]].api("GET", f"/config/{path}/{key}").json()["data"]
            assert (live["store"], live["schedule"]) == (job["store"], job["schedule"])
    assert run.preview().ops() == []
