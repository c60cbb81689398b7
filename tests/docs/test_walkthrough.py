"""The front page's "Replicate your own servers in 10 minutes", end to end against two PBS simulators
standing in for `onprem` and `cloud`: step 1's deploy identity made through the API calls behind its
`proxmox-backup-manager` commands (user create, generate-token, acl update for user and token), the
README's stack config with the simulators' URLs and fingerprints, `pulumi up` through the offline engine
(the stand-in for the Pulumi engine), a preview that shows nothing to do, then the doctor and a run of the
job with the project's commands, and the backups on the cloud in the namespace the README names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pbs_provider.__main__ import main
from pbs_provider.servers import secret_env_var
from tests.program.stacks import PROJECT, StackRun

README = PROJECT / "README.md"
DEPLOY_USER, DEPLOY_TOKEN = "deploy@pbs", "deploy@pbs!pulumi"


def readme_config() -> dict[str, Any]:
    text = README.read_text()
    block = text.split("<!-- BEGIN stack example: quick start -->", 1)[1].split("<!-- END stack example", 1)[
        0
    ]
    raw = yaml.safe_load(block.strip().removeprefix("```yaml").removesuffix("```"))["config"]
    return {key.removeprefix("pbs-replication:"): value for key, value in raw.items()}


def step_one(sim) -> str:
    """The README's step 1 on one server, as the API calls its commands make; returns the token secret."""
    commands = README.read_text()
    acl = "acl update / Admin --auth-id"
    for command in ("user create deploy@pbs", "user generate-token deploy@pbs pulumi",
                    f"{acl} deploy@pbs", f"{acl} 'deploy@pbs!pulumi'"):  # fmt: skip
        assert f"proxmox-backup-manager {command}" in commands, command
    sim.api("POST", "/access/users", data={"userid": DEPLOY_USER, "comment": "pbs-replication (Pulumi)"})
    secret = sim.api("POST", f"/access/users/{DEPLOY_USER}/token/pulumi").json()["data"]["value"]
    for auth_id in (DEPLOY_USER, DEPLOY_TOKEN):
        sim.api("PUT", "/access/acl", data={"path": "/", "role": "Admin", "auth-id": auth_id})
    return secret


@pytest.fixture
def site(pbs_sim_factory, tmp_path, monkeypatch):
    """The two servers after step 1, and the README's stack config pointed at them."""
    onprem = pbs_sim_factory("onprem", datastores=["store1"], sync_runner="pbs")
    cloud = pbs_sim_factory("cloud", datastores=["offsite"], sync_runner="pbs")
    sims = {"onprem": onprem, "cloud": cloud}
    secrets = {name: step_one(sim) for name, sim in sims.items()}
    config = readme_config()
    assert set(config["servers"]) == set(sims)
    for name, sim in sims.items():
        assert config["servers"][name]["authId"] == DEPLOY_TOKEN
        config["servers"][name] |= {"url": sim.url, "fingerprint": sim.fingerprint}
    onprem.seed_content(
        {"store1": [{"group": "vm/100", "snapshots": 2}, {"group": "ct/200", "snapshots": 1}]}
    )
    for name, secret in secrets.items():  # step 4 stores them with `pulumi config set --secret`
        monkeypatch.setenv(secret_env_var(name), secret)
    run = StackRun("mysite", tmp_path / "state", sims, **config)
    run.set(serverSecrets=secrets)
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text((PROJECT / "Pulumi.yaml").read_text())
    document = {"config": {f"pbs-replication:{k}": v for k, v in config.items()}}
    (project / "stacks" / "Pulumi.mysite.yaml").write_text(yaml.safe_dump(document))
    (tmp_path / "state").mkdir()
    return run, project, sims


def test_the_walkthrough_deploys_checks_and_replicates(site, capsys):
    run, project, sims = site
    plan = run.preview()
    assert plan.ok, plan.diagnostics
    up = run.up()
    assert up.ok, up.diagnostics
    assert not [s for s in run.preview().steps if s.op != "same"]  # nothing left to do
    onprem, cloud = sims["onprem"], sims["cloud"]
    job = onprem.api("GET", "/config/sync/push-cloud").json()["data"]
    assert (job["sync-direction"], job["remote-store"], job["remote-ns"], job["schedule"]) == (
        "push", "offsite", "onprem", "hourly",
    )  # fmt: skip

    capsys.readouterr()
    assert main(["doctor", "--stack", "mysite", "--project-dir", str(project)]) == 0
    doctor = capsys.readouterr().out
    assert re.search(r"doctor: 0 error\(s\)", doctor), doctor
    args = [
        "run",
        "--stack",
        "mysite",
        "--project-dir",
        str(project),
        "--poll-interval",
        "0.01",
        "push-cloud",
    ]
    assert main(args) == 0, capsys.readouterr()
    assert sorted(cloud.snapshot_names("offsite", "onprem")) == sorted(onprem.snapshot_names("store1"))


def test_the_walkthrough_shows_its_commands_with_their_interpreter():
    text = README.read_text()
    section = text.split("## Replicate your own servers in 10 minutes", 1)[1].split("\n## ", 1)[0]
    for line in section.split("\n"):
        if "-m pbs_provider" in line:
            assert ".venv/bin/python -m pbs_provider" in line or "pbs-replication" in line, line
    assert Path(PROJECT / "Makefile").read_text().count("venv:") >= 1  # `make venv` exists
