"""The dev stack (stacks/Pulumi.dev.yaml) through the mini engine against two simulators: its lifecycle.

The dev stack is two `replications` entries: `push-cloud` (onprem:store1 -> cloud:offsite/onprem) and
`pull-templates` (cloud:offsite/templates -> onprem:store1/templates). Each expands to a user, its token,
ACL entries for both and a namespace, a dedicated remote and the job, and on the target the prune job of its
`retention` (both) and the verify job of its `verify` (push-cloud).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline_engine import props as P
from tests.program.stacks import PROJECT, StackRun

WRITES = {"POST", "PUT", "DELETE"}
BASE = ("user", "token", "acl-user", "acl-token", "namespace", "remote", "job")
PARTS = {"push-cloud": (*BASE, "prune", "verify"), "pull-templates": (*BASE, "prune")}
ALL = sorted(f"{name}-{part}" for name, parts in PARTS.items() for part in parts)


def writes(*sims) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for sim in sims for e in sim.request_log() if e["method"] in WRITES]


@pytest.fixture
def sims(pbs_sim_factory):
    cloud = pbs_sim_factory("cloud", datastores=["offsite"])
    cloud.seed_content({"offsite": [{"group": "ct/9000", "ns": "templates", "snapshots": 1}]})
    return {"onprem": pbs_sim_factory("onprem", datastores=["store1"]), "cloud": cloud}


@pytest.fixture
def dev(sims, tmp_path) -> StackRun:
    return StackRun("dev", tmp_path, sims)


def dev_replications() -> dict[str, Any]:
    raw = yaml.safe_load((PROJECT / "stacks" / "Pulumi.dev.yaml").read_text())
    return raw["config"]["pbs-replication:replications"]


def sync_jobs(sim) -> dict[str, dict]:
    return {
        j["id"]: j for j in sim.api("GET", "/config/sync", params={"sync-direction": "all"}).json()["data"]
    }


def prune_jobs(sim) -> dict[str, dict]:
    return {j["id"]: j for j in sim.api("GET", "/config/prune").json()["data"]}


def verify_jobs(sim) -> dict[str, dict]:
    return {j["id"]: j for j in sim.api("GET", "/config/verify").json()["data"]}


def remotes(sim) -> dict[str, dict]:
    return {r["name"]: r for r in sim.api("GET", "/config/remote").json()["data"]}


def users(sim) -> set[str]:
    return {u["userid"] for u in sim.api("GET", "/access/users").json()["data"]}


def acl(sim) -> set[tuple[str, str, str]]:
    return {(e["path"], e["ugid"], e["roleid"]) for e in sim.api("GET", "/access/acl").json()["data"]}


def namespaces(sim, store: str) -> set[str]:
    return {n["ns"] for n in sim.api("GET", f"/admin/datastore/{store}/namespace").json()["data"]}


def test_preview_plans_both_halves_of_both_replications_without_writing(dev, sims):
    r = dev.preview()
    assert r.ok, r.diagnostics
    assert sorted(name for _, name in r.ops()) == ALL and {op for op, _ in r.ops()} == {"create"}
    assert writes(*sims.values()) == []
    # both remotes reach cloud, whose certificate the stack pins: it is read once per run
    status_reads = [e for e in sims["cloud"].request_log() if e["path"].endswith("/status")]
    assert len(status_reads) == 1


def test_dev_stack_lifecycle(dev, sims):
    onprem, cloud = sims["onprem"], sims["cloud"]
    r = dev.up()
    assert r.ok, r.diagnostics
    assert sorted(name for _, name in r.ops()) == ALL
    # the target half of the push and the source half of the pull: on cloud
    assert {"push-cloud@pbs", "pull-templates@pbs"} <= users(cloud)
    assert {
        ("/datastore/offsite/onprem", "push-cloud@pbs", "DatastoreAdmin"),  # createNamespaces: Modify
        ("/datastore/offsite/onprem", "push-cloud@pbs!sync", "DatastoreAdmin"),
        ("/datastore/offsite/templates", "pull-templates@pbs", "DatastoreReader"),
        ("/datastore/offsite/templates", "pull-templates@pbs!sync", "DatastoreReader"),
    } <= acl(cloud)
    assert "onprem" in namespaces(cloud, "offsite") and "templates" in namespaces(onprem, "store1")
    # the job half: dedicated remotes and the jobs on onprem, logging in as the new tokens
    jobs = sync_jobs(onprem)
    assert set(jobs) == {"push-cloud", "pull-templates"}
    push, pull = jobs["push-cloud"], jobs["pull-templates"]
    assert push["sync-direction"] == "push" and push["remote"] == "push-cloud"
    assert push["remote-ns"] == "onprem" and push["rate-out"] == "50 MiB" and push["schedule"] == "hourly"
    assert push["group-filter"] == ["exclude:type:ct"]
    assert pull.get("sync-direction", "pull") == "pull" and pull["ns"] == "templates"
    assert (
        pull["remote-ns"] == "templates"
        and pull["group-filter"] == ["type:ct"]
        and pull["transfer-last"] == 3
    )
    rem = remotes(onprem)
    assert rem["push-cloud"]["auth-id"] == "push-cloud@pbs!sync"
    assert rem["pull-templates"]["auth-id"] == "pull-templates@pbs!sync"
    assert rem["push-cloud"]["fingerprint"].lower() == cloud.fingerprint.lower()
    assert "password" not in rem["push-cloud"]
    # on each target: the prune job of `retention`, and push-cloud's verify job
    assert prune_jobs(cloud)["push-cloud"] == {
        "id": "push-cloud", "store": "offsite", "ns": "onprem", "schedule": "hourly", "keep-daily": 2,
        "keep-weekly": 4,
    }  # fmt: skip
    assert verify_jobs(cloud)["push-cloud"]["outdated-after"] == 30
    assert prune_jobs(onprem)["pull-templates"]["keep-last"] == 3 and verify_jobs(onprem) == {}
    assert set(r.outputs["replications"]) == {"push-cloud", "pull-templates"}
    assert r.outputs["replications"]["push-cloud"]["tokenId"] == "push-cloud@pbs!sync"

    # an unchanged second up makes no write at all
    onprem.clear_request_log()
    cloud.clear_request_log()
    r = dev.up()
    assert r.ok and r.ops() == [] and len(r.steps) == len(ALL)
    assert writes(onprem, cloud) == []

    # a changed job field updates the job in place; another spelling of the same value changes nothing
    entries = dev_replications()
    push_entry = {**entries["push-cloud"], "schedule": "mon..fri 02:30", "rateOut": "50MiB"}
    dev.set(replications={**entries, "push-cloud": push_entry})
    assert dev.preview().ops() == [("update", "push-cloud-job")]
    r = dev.up()
    assert r.ok and r.ops() == [("update", "push-cloud-job")], r.diagnostics
    assert sync_jobs(onprem)["push-cloud"]["schedule"] == "mon..fri 02:30"

    # a new job id replaces the job, and the prune and verify jobs whose id follows it: the new ids exist,
    # the old ones are gone
    dev.set(replications={**entries, "push-cloud": {**push_entry, "jobId": "push-cloud-2"}})
    r = dev.up()
    replaced = ["push-cloud-job", "push-cloud-prune", "push-cloud-verify"]
    assert r.ok and sorted(r.ops()) == [("replace", name) for name in replaced], r.diagnostics
    assert set(sync_jobs(onprem)) == {"push-cloud-2", "pull-templates"}
    assert set(prune_jobs(cloud)) == set(verify_jobs(cloud)) == {"push-cloud-2"}

    # a removed replication deletes both halves, the job before its remote (PBS refuses the other order)
    dev.set(replications={"push-cloud": {**push_entry, "jobId": "push-cloud-2"}})
    r = dev.up()
    assert r.ok, r.diagnostics
    deleted = [name for op, name in r.ops() if op == "delete"]
    assert sorted(deleted) == sorted(f"pull-templates-{part}" for part in PARTS["pull-templates"])
    assert prune_jobs(onprem) == {}
    assert deleted.index("pull-templates-job") < deleted.index("pull-templates-remote")
    assert set(sync_jobs(onprem)) == {"push-cloud-2"} and set(remotes(onprem)) == {"push-cloud"}
    assert "pull-templates@pbs" not in users(cloud)

    # drift: an out-of-band edit shows in refresh and up heals it
    onprem.api("PUT", "/config/sync/push-cloud-2", json={"comment": "edited by hand"}).raise_for_status()
    r = dev.refresh()
    assert ("update", "push-cloud-job") in r.ops()
    assert dev.preview().ops() == [("update", "push-cloud-job")]
    assert dev.up().ok
    assert sync_jobs(onprem)["push-cloud-2"]["comment"] == "on-prem -> cloud, hourly"
    assert dev.preview().ops() == []

    # destroy removes everything the stack made
    r = dev.destroy()
    assert r.ok and sorted(name for _, name in r.ops()) == sorted(
        f"push-cloud-{part}" for part in PARTS["push-cloud"]
    )
    assert sync_jobs(onprem) == {} and remotes(onprem) == {} and prune_jobs(cloud) == verify_jobs(cloud) == {}
    assert "push-cloud@pbs" not in users(cloud)


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
    # the deploy tokens' secrets are server secrets only: providers read them in configure(), never in state
    for sim in sims.values():
        assert sim.admin_token_secret not in text
    # the replication tokens' secrets (PBS shows them once) are in state only as secret-wrapped values
    bare = json.dumps(without_secrets(dev.state_json()))
    for name in ("push-cloud", "pull-templates"):
        token = dev.resource(f"{name}-token")
        secret = next(
            P.from_state_json(v) for v in token["outputs"].values() if P.is_secret(P.from_state_json(v))
        )
        assert secret["value"] and secret["value"] in text and secret["value"] not in bare
        remote = dev.resource(f"{name}-remote")
        for section in ("inputs", "outputs"):
            assert P.is_secret(P.from_state_json(remote[section]["password"]))
