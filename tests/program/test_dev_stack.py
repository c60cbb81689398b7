"""The dev stack (stacks/Pulumi.dev.yaml) through the mini engine against two simulators: its lifecycle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from offline_engine import props as P
from tests.program.stacks import PROJECT, StackRun

WRITES = {"POST", "PUT", "DELETE"}


def writes(*sims) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for sim in sims for e in sim.request_log() if e["method"] in WRITES]


@pytest.fixture
def sims(pbs_sim_factory):
    return {
        "onprem": pbs_sim_factory("onprem", datastores=["store1"]),
        "cloud": pbs_sim_factory("cloud", datastores=["offsite"]),
    }


@pytest.fixture
def dev(sims, tmp_path) -> StackRun:
    cloud_secret = sims["cloud"].admin_token_secret
    return StackRun(
        "dev",
        tmp_path,
        sims,
        remotePasswords={"cloud-push": cloud_secret, "cloud-pull": cloud_secret},
    )


def sync_jobs(sim) -> dict[str, dict]:
    return {
        j["id"]: j for j in sim.api("GET", "/config/sync", params={"sync-direction": "all"}).json()["data"]
    }


def remotes(sim) -> dict[str, dict]:
    return {r["name"]: r for r in sim.api("GET", "/config/remote").json()["data"]}


def test_preview_plans_everything_without_writing(dev, sims):
    r = dev.preview()
    assert r.ok, r.diagnostics
    assert sorted(r.ops()) == [
        ("create", "cloud-pull"),
        ("create", "cloud-push"),
        ("create", "pull-templates"),
        ("create", "push-cloud"),
    ]
    assert writes(*sims.values()) == []
    # both remotes pin `fingerprintFrom: cloud`: the certificate is read once per run
    status_reads = [e for e in sims["cloud"].request_log() if e["path"].endswith("/status")]
    assert len(status_reads) == 1


def test_dev_stack_lifecycle(dev, sims):
    onprem, cloud = sims["onprem"], sims["cloud"]
    r = dev.up()
    assert r.ok, r.diagnostics
    assert len(r.ops()) == 4
    jobs = sync_jobs(onprem)
    assert jobs["push-cloud"]["sync-direction"] == "push"
    assert jobs["push-cloud"]["remote"] == "cloud-push"
    assert jobs["push-cloud"]["rate-out"] == "50 MiB"
    assert jobs["pull-templates"]["group-filter"] == ["type:ct"]
    rem = remotes(onprem)
    assert rem["cloud-push"]["fingerprint"].lower() == cloud.fingerprint.lower()  # fingerprintFrom: cloud
    assert "password" not in rem["cloud-push"]
    summary = r.outputs["servers"]["onprem"]
    assert sorted(summary["remotes"]) == ["cloud-pull", "cloud-push"]
    push = next(j for j in summary["syncJobs"] if j["id"] == "push-cloud")
    assert push["direction"] == "push" and push["schedule"] == "hourly" and push["nextRun"]

    # an unchanged second up makes no write at all
    onprem.clear_request_log()
    cloud.clear_request_log()
    r = dev.up()
    assert r.ok and r.ops() == [] and len(r.steps) == 4
    assert writes(onprem, cloud) == []

    # a changed field updates in place
    push_cfg = {
        "server": "onprem",
        "syncDirection": "push",
        "store": "store1",
        "remote": "cloud-push",
        "remoteStore": "offsite",
        "schedule": "mon..fri 02:30",
        "removeVanished": False,
        "rateOut": "50MiB",  # same value, other spelling: no change
        "groupFilter": ["exclude:type:ct"],
        "comment": "on-prem -> cloud, hourly",
    }
    pull_cfg = {
        "server": "onprem",
        "store": "store1",
        "remote": "cloud-pull",
        "remoteStore": "offsite",
        "groupFilter": ["include:type:ct"],  # PBS drops `include:`: no change
        "schedule": "daily",
        "transferLast": 3,
        "comment": "shared container templates from the cloud",
    }
    dev.set(syncJobs={"push-cloud": push_cfg, "pull-templates": pull_cfg})
    assert dev.preview().ops() == [("update", "push-cloud")]
    r = dev.up()
    assert r.ok and r.ops() == [("update", "push-cloud")], r.diagnostics
    assert sync_jobs(onprem)["push-cloud"]["schedule"] == "mon..fri 02:30"

    # a renamed job (same entry, new PBS id) replaces: the new id exists, the old one is gone
    dev.set(syncJobs={"push-cloud": {**push_cfg, "jobId": "push-cloud-2"}, "pull-templates": pull_cfg})
    r = dev.up()
    assert r.ok and r.ops() == [("replace", "push-cloud")], r.diagnostics
    assert set(sync_jobs(onprem)) == {"push-cloud-2", "pull-templates"}

    # a removed entry deletes the job before its remote (PBS refuses the other order)
    dev.set(
        syncJobs={"push-cloud": {**push_cfg, "jobId": "push-cloud-2"}},
        remotes={k: v for k, v in _dev_remotes().items() if k == "cloud-push"},
        remotePasswords={"cloud-push": cloud.admin_token_secret},
    )
    r = dev.up()
    assert r.ok, r.diagnostics
    assert r.ops() == [("delete", "pull-templates"), ("delete", "cloud-pull")]
    assert set(sync_jobs(onprem)) == {"push-cloud-2"} and set(remotes(onprem)) == {"cloud-push"}

    # drift: an out-of-band edit shows in refresh and up heals it
    onprem.api("PUT", "/config/sync/push-cloud-2", json={"comment": "edited by hand"}).raise_for_status()
    r = dev.refresh()
    assert ("update", "push-cloud") in r.ops()
    assert dev.preview().ops() == [("update", "push-cloud")]
    assert dev.up().ok
    assert sync_jobs(onprem)["push-cloud-2"]["comment"] == "on-prem -> cloud, hourly"
    assert dev.preview().ops() == []

    # destroy removes everything the stack made
    r = dev.destroy()
    assert r.ok and sorted(r.ops()) == [("delete", "cloud-push"), ("delete", "push-cloud")]
    assert sync_jobs(onprem) == {} and remotes(onprem) == {}


def _dev_remotes() -> dict:
    raw = yaml.safe_load((PROJECT / "stacks" / "Pulumi.dev.yaml").read_text())
    return raw["config"]["pbs-replication:remotes"]


def without_secrets(value):
    """The state with every secret-wrapped value removed: what must hold no secret."""
    if isinstance(value, dict):
        if P.is_secret(value) or "plaintext" in value:
            return None
        return {k: without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def test_secrets_never_reach_state_in_plaintext(dev, sims):
    assert dev.up().ok
    text = Path(dev.state).read_text()
    # the onprem token secret is a server secret only: providers read it in configure(), never in state
    assert sims["onprem"].admin_token_secret not in text
    # the cloud token secret is also the remotes' password: in state only as a secret-wrapped value
    bare = json.dumps(without_secrets(dev.state_json()))
    assert sims["cloud"].admin_token_secret in text
    assert sims["cloud"].admin_token_secret not in bare
    remote = dev.resource("cloud-push")
    for section in ("inputs", "outputs"):
        assert P.is_secret(P.from_state_json(remote[section]["password"]))
