"""The front page's "Replicate your own servers in 10 minutes", end to end against two PBS simulators
standing in for `onprem` and `cloud` (`walkthrough.Site`): step 1's deploy identity made through the API
calls behind its `proxmox-backup-manager` commands, the README's stack config with the simulators' URLs
and fingerprints, `pulumi up` through the offline engine (the stand-in for the Pulumi engine), a preview
that shows nothing to do, then the project's commands — and what docs/operations.md shows of their output
is what they print."""

from __future__ import annotations

import shlex

import pytest

from . import walkthrough
from .pages import ROOT
from .walkthrough import DEPLOY_TOKEN, README, STACK, Site

OPERATIONS = ROOT / "docs" / "operations.md"


@pytest.fixture
def site(pbs_sim_factory, tmp_path) -> Site:
    onprem = pbs_sim_factory("onprem", datastores=["store1"], sync_runner="pbs")
    cloud = pbs_sim_factory("cloud", datastores=["offsite"], sync_runner="pbs")
    return Site.make(onprem, cloud, tmp_path)


def test_the_readme_names_the_steps_the_test_takes():
    text = README.read_text()
    acl = "acl update / Admin --auth-id"
    for command in ("user create deploy@pbs", "user generate-token deploy@pbs pulumi",
                    f"{acl} deploy@pbs", f"{acl} 'deploy@pbs!pulumi'"):  # fmt: skip
        assert f"proxmox-backup-manager {command}" in text, command
    config = walkthrough.readme_config()
    assert {entry["authId"] for entry in config["servers"].values()} == {DEPLOY_TOKEN}
    section = text.split("## Replicate your own servers in 10 minutes", 1)[1].split("\n## ", 1)[0]
    for step in ("pulumi login", f"pulumi stack init {STACK}", "pulumi preview --diff", "pulumi up"):
        assert step in section, step
    for line in section.split("\n"):
        if "-m pbs_provider" in line:  # commands name the interpreter they need
            assert ".venv/bin/python -m pbs_provider" in line, line


def test_the_walkthrough_deploys_checks_and_replicates(site):
    plan = site.run.preview()
    assert plan.ok, plan.diagnostics
    assert sorted(s.op for s in plan.steps if s.op != "same").count("create") >= 7
    outputs = walkthrough.walk(site)
    assert not [s for s in site.run.preview().steps if s.op != "same"]  # nothing left to do after up
    onprem, cloud = site.sims["onprem"], site.sims["cloud"]
    job = onprem.api("GET", "/config/sync/push-cloud").json()["data"]
    assert (job["sync-direction"], job["remote-store"], job["remote-ns"], job["schedule"]) == (
        "push", "offsite", "onprem", "hourly",
    )  # fmt: skip
    code, out = outputs["run"]
    assert code == 0 and "TASK OK" in out, out
    assert sorted(cloud.snapshot_names("offsite", "onprem")) == sorted(onprem.snapshot_names("store1"))
    code, out = outputs["doctor"]
    assert code == 1 and "ERROR" in out and "config: replications.push-cloud" in out, out

    page = OPERATIONS.read_text()
    blocks = walkthrough.shown(page)
    assert set(blocks) == set(walkthrough.SHOWN)
    for name, (command, _body) in blocks.items():
        args, _head, _tail = walkthrough.SHOWN[name]
        words = shlex.split(command.split(" ", 1)[1])  # without the passphrase variable
        assert words[words.index("-m") + 2 :] == [args[0], "--stack", STACK, *args[1:]], command
    assert walkthrough.render(page, outputs) == page, "run: .venv/bin/python -m tests.docs.refresh"
