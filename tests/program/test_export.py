"""Export round trip: objects made on a PBS by hand → `python -m pbs_provider export` → `up` adopts them all
→ `preview` shows no change."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from tests.program.stacks import PROJECT, StackRun

REMOTE_PASSWORD = "remote-password-from-gui"


def make_by_hand(sim) -> None:
    """What an admin clicked together in the GUI."""
    sim.api(
        "POST",
        "/config/remote",
        json={
            "name": "cloud",
            "host": "pbs.cloud.example",
            "auth-id": "sync@pbs!push",
            "password": REMOTE_PASSWORD,
            "fingerprint": sim.fingerprint.upper(),
            "comment": "made in the GUI",
        },
    ).raise_for_status()
    sim.api(
        "POST",
        "/config/sync",
        json={
            "id": "s-5bd88e98-4c78",
            "store": "store1",
            "remote": "cloud",
            "remote-store": "offsite",
            "sync-direction": "push",
            "schedule": "mon..fri 02:30",
            "rate-out": "20MiB",
            "group-filter": ["include:type:vm", "exclude:regex:^vm/9\\d\\d$"],
            "remove-vanished": True,
        },
    ).raise_for_status()
    sim.api(
        "POST",
        "/config/sync",
        json={
            "id": "pull-local",
            "store": "store1",
            "remote-store": "archive",
            "max-depth": 2,
            "ns": "a/b",
            "transfer-last": 5,
        },
    ).raise_for_status()


def test_export_then_up_adopts_everything_and_preview_is_clean(pbs_sim_factory, tmp_path):
    sim = pbs_sim_factory("onprem", datastores=["store1", "archive"])
    make_by_hand(sim)
    env = {**os.environ, "PBS_SECRET": sim.admin_token_secret}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pbs_provider",
            "export",
            "--url",
            sim.url,
            "--auth-id",
            sim.admin_token_id,
            "--fingerprint",
            sim.fingerprint,
            "--server",
            "onprem",
            "--stack",
            "dev",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "pulumi config set --secret --path 'remotePasswords.cloud' <password> --stack dev" in out
    assert sim.admin_token_secret not in out
    config = yaml.safe_load(out)["config"]
    remotes = config["pbs-replication:remotes"]
    jobs = config["pbs-replication:syncJobs"]
    assert remotes["cloud"]["adopt"] is True and remotes["cloud"]["server"] == "onprem"
    assert jobs["s-5bd88e98-4c78"]["syncDirection"] == "push"  # push jobs are not hidden
    assert jobs["s-5bd88e98-4c78"]["groupFilter"] == ["type:vm", "exclude:regex:^vm/9\\d\\d$"]
    assert set(jobs) == {"s-5bd88e98-4c78", "pull-local"}

    stack = StackRun(
        "dev",
        tmp_path,
        {"onprem": sim},
        remotes=remotes,
        syncJobs=jobs,
        remotePasswords={"cloud": REMOTE_PASSWORD},
        replications={},  # the dev stack's own replications need its second server; this is about onprem
    )
    sim.clear_request_log()
    up = stack.up()
    assert up.ok, up.diagnostics
    # adopted, not created: any create attempt was refused because the object exists
    assert all(e["status"] == 400 for e in sim.request_log() if e["method"] == "POST")
    assert stack.preview().ops() == []
    live = sim.api("GET", "/config/sync/pull-local").json()["data"]
    assert live["max-depth"] == 2 and live["ns"] == "a/b"
