"""The target side through the real program (`__main__.py`) and the mini engine (tier 2), against
two simulators: the replication shorthand's exact resource set for push and pull and a working
configuration (the source's remote logs in to the target with the token), token rotation that
updates the remote in the same `up`, the `users`/`tokens`/`acls`/`namespaces` keys and
`passwordFromToken` through create, change and delete, and no secret in plaintext in state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pbs_sim.testing import start_simulator
from tests.program.stacks import EMPTY, StackRun

from .helpers import (
    acl_entries,
    bare_state_text,
    call_as,
    login,
    namespaces,
    privileges,
    secret_in_state,
    stored_remote,
    writes,
)

REPLICATION_T = "pbs:index:Replication"


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        start_simulator(tmp_path_factory.mktemp("onprem"), datastores=["store1"], node="onprem") as onprem,
        start_simulator(tmp_path_factory.mktemp("cloud"), datastores=["offsite"], node="cloud") as cloud,
    ):
        yield {"onprem": onprem, "cloud": cloud}


@pytest.fixture
def run(sims: dict[str, Any], tmp_path: Path) -> Iterator[StackRun]:
    """The real project's program with only the given config (servers: the two simulators)."""
    stack = StackRun("dev", tmp_path, sims, **EMPTY)
    yield stack
    if Path(stack.state).exists():
        assert stack.destroy().ok


def all_writes(sims: dict[str, Any]) -> list[tuple[str, str]]:
    return [w for sim in sims.values() for w in writes(sim)]


def clear_logs(sims: dict[str, Any]) -> None:
    for sim in sims.values():
        sim.clear_request_log()


def resources(stack: StackRun) -> dict[str, dict[str, Any]]:
    """Registered resources by name (custom and component), with their type and parent."""
    return {
        r["urn"].split("::")[-1]: r
        for r in stack.state_json()["resources"]
        if r["type"] != "pulumi:pulumi:Stack"
    }


def children(stack: StackRun, name: str) -> dict[str, str]:
    """name -> type of the resources registered under the component `name`."""
    found = resources(stack)
    component = found[name]
    assert component["type"] == REPLICATION_T
    return {n: r["type"].split(":")[-1] for n, r in found.items() if r.get("parent") == component["urn"]}


PUSH = {
    "direction": "push",
    "source": {"server": "onprem", "store": "store1"},
    "target": {"server": "cloud", "store": "offsite", "ns": "site1"},
    "schedule": "hourly",
    "rateOut": "50 MiB",
    "removeVanished": True,
}
PUSH_SET = {
    "push-cloud-user": "User",
    "push-cloud-token": "ApiToken",
    "push-cloud-acl-user": "AclEntry",
    "push-cloud-acl-token": "AclEntry",
    "push-cloud-namespace": "Namespace",
    "push-cloud-remote": "Remote",
    "push-cloud-job": "SyncJob",
}


def test_push_replication_lifecycle(run, sims):
    onprem, cloud = sims["onprem"], sims["cloud"]
    run.set(replications={"push-cloud": PUSH})
    clear_logs(sims)
    preview = run.preview()
    assert preview.ok, preview.diagnostics
    assert sorted(preview.ops()) == sorted(("create", name) for name in PUSH_SET)
    assert all_writes(sims) == []

    up = run.up()
    assert up.ok, up.diagnostics
    assert children(run, "push-cloud") == PUSH_SET  # exactly these, all under the component
    ops = up.ops()
    assert ops.index(("create", "push-cloud-token")) < ops.index(("create", "push-cloud-remote"))
    assert ops.index(("create", "push-cloud-acl-token")) < ops.index(("create", "push-cloud-job"))

    # on the target: the remote user, its token, DatastorePowerUser (removeVanished) for both, the namespace
    assert acl_entries(cloud, "/datastore/offsite/site1") == [
        ("push-cloud@pbs", "DatastorePowerUser", True),
        ("push-cloud@pbs!sync", "DatastorePowerUser", True),
    ]
    assert "site1" in namespaces(cloud, "offsite")
    # on the source: a dedicated remote pinning the target's (self-signed) certificate, and the push job
    remote = stored_remote(onprem, "push-cloud")
    assert remote["host"] == cloud.host and remote["port"] == cloud.port
    assert remote["auth-id"] == "push-cloud@pbs!sync"
    assert remote["fingerprint"].lower() == cloud.fingerprint.lower()
    job = onprem.api("GET", "/config/sync/push-cloud").json()["data"]
    assert job == {
        "id": "push-cloud", "store": "store1", "remote": "push-cloud", "remote-store": "offsite",
        "remote-ns": "site1", "sync-direction": "push", "schedule": "hourly", "rate-out": "50 MiB",
        "remove-vanished": True,
    }  # fmt: skip
    # a working configuration: what the remote holds logs in to the target with the push rights
    target_path = "/datastore/offsite/site1"
    answer = call_as(cloud, remote["auth-id"], remote["password"], "/access/permissions", path=target_path)
    assert answer.status_code == 200
    assert {"Datastore.Backup", "Datastore.Prune"} <= set(answer.json()["data"][target_path])
    assert call_as(cloud, remote["auth-id"], remote["password"], "/admin/datastore/offsite/namespace",
                   parent="site1").status_code == 200  # fmt: skip
    assert up.outputs["replications"]["push-cloud"] == {
        "direction": "push", "jobServer": "onprem", "jobId": "push-cloud", "remote": "push-cloud",
        "remoteUserServer": "cloud", "tokenId": "push-cloud@pbs!sync", "role": "DatastorePowerUser",
        "keptOnRemoval": "namespace offsite:site1 on server cloud and its backups; to delete them on "
        "purpose, add `{server: cloud, store: offsite, ns: site1, adopt: true, deleteGroups: true}` to "
        "`namespaces`, run `pulumi up`, then remove it and run `pulumi up`",
    }  # fmt: skip

    # the token secret: a secret in state (token outputs, remote inputs and outputs), nowhere in plaintext
    state = resources(run)
    secret = secret_in_state(state["push-cloud-token"], "outputs", "secret")
    assert secret == remote["password"]
    assert secret_in_state(state["push-cloud-remote"], "inputs", "password") == secret
    assert secret_in_state(state["push-cloud-remote"], "outputs", "password") == secret
    assert secret not in bare_state_text(run.state_json())

    clear_logs(sims)
    again = run.up()
    assert again.ok and again.ops() == [] and all_writes(sims) == []

    # rotation: one `up` regenerates the secret and updates the remote that uses it
    run.set(replications={"push-cloud": {**PUSH, "regenerate": 1}})
    assert sorted(run.preview().ops()) == [("update", "push-cloud-remote"), ("update", "push-cloud-token")]
    rotated = run.up()
    assert rotated.ok, rotated.diagnostics
    assert rotated.ops() == [("update", "push-cloud-token"), ("update", "push-cloud-remote")]
    new = stored_remote(onprem, "push-cloud")["password"]
    assert new != secret
    assert call_as(cloud, "push-cloud@pbs!sync", new, "/version").status_code == 200
    assert call_as(cloud, "push-cloud@pbs!sync", secret, "/version").status_code == 401
    assert new not in bare_state_text(run.state_json())
    assert run.preview().ops() == []

    # destroy: the job before its remote, ACL entries before the token, the token before the user;
    # the namespace stays
    gone = run.destroy()
    assert gone.ok
    order = [name for _, name in gone.ops()]
    assert order.index("push-cloud-job") < order.index("push-cloud-remote") < order.index("push-cloud-token")
    assert (
        order.index("push-cloud-acl-token") < order.index("push-cloud-token") < order.index("push-cloud-user")
    )
    assert acl_entries(cloud, "/datastore/offsite/site1") == []
    assert cloud.api("GET", "/access/users/push-cloud@pbs").status_code == 400
    assert stored_remote(onprem, "push-cloud") is None
    # the target namespace is retained (retainOnDelete): dropped from state, kept on PBS
    assert gone.retained() == ["push-cloud-namespace"]
    assert "site1" in namespaces(cloud, "offsite")
    # deleting it is the admin's own act (the sims are shared by this module's tests)
    cloud.api("DELETE", "/admin/datastore/offsite/namespace", params={"ns": "site1"}).raise_for_status()


def test_pull_replication_reads_from_the_source(run, sims):
    onprem, cloud = sims["onprem"], sims["cloud"]
    cloud.api("POST", "/admin/datastore/offsite/namespace", json={"name": "templates"}).raise_for_status()
    run.set(
        replications={
            "pull-templates": {
                "direction": "pull",
                "source": {"server": "cloud", "store": "offsite", "ns": "templates"},
                "target": {"server": "onprem", "store": "store1", "ns": "from-cloud"},
                "user": "reader@pbs",
                "groupFilter": ["type:ct"],
                "schedule": "daily",
            }
        }
    )
    up = run.up()
    assert up.ok, up.diagnostics
    assert children(run, "pull-templates") == {
        "pull-templates-user": "User",
        "pull-templates-token": "ApiToken",
        "pull-templates-acl-user": "AclEntry",
        "pull-templates-acl-token": "AclEntry",
        "pull-templates-namespace": "Namespace",
        "pull-templates-remote": "Remote",
        "pull-templates-job": "SyncJob",
    }
    # user, token and read rights on the source; namespace, remote and job on the target
    assert acl_entries(cloud, "/datastore/offsite/templates") == [
        ("reader@pbs", "DatastoreReader", True),
        ("reader@pbs!sync", "DatastoreReader", True),
    ]
    assert "from-cloud" in namespaces(onprem, "store1") and "from-cloud" not in namespaces(cloud, "offsite")
    job = onprem.api("GET", "/config/sync/pull-templates").json()["data"]
    assert "sync-direction" not in job  # pull is PBS's default
    assert (job["store"], job["ns"], job["remote-store"], job["remote-ns"]) == (
        "store1", "from-cloud", "offsite", "templates",
    )  # fmt: skip
    remote = stored_remote(onprem, "pull-templates")
    answer = call_as(
        cloud,
        remote["auth-id"],
        remote["password"],
        "/access/permissions",
        path="/datastore/offsite/templates",
    )
    assert {"Datastore.Read", "Datastore.Audit"} <= set(answer.json()["data"]["/datastore/offsite/templates"])
    assert "Datastore.Backup" not in answer.json()["data"]["/datastore/offsite/templates"]  # read only
    assert run.destroy().ok
    cloud.api("DELETE", "/admin/datastore/offsite/namespace", params={"ns": "templates"})


def test_target_side_keys_through_create_change_and_delete(run, sims):
    onprem, cloud = sims["onprem"], sims["cloud"]
    password = "sync-user-password"
    tenant = "/datastore/offsite/tenant/a"
    config = {
        "users": {"sync@pbs": {"server": "cloud", "comment": "pushes from onprem"}},
        "userPasswords": {"sync@pbs": password},
        "tokens": {"sync@pbs!push": {"server": "cloud", "comment": "remote cloud on onprem"}},
        "acls": [
            {"server": "cloud", "path": tenant, "authId": "sync@pbs", "role": "DatastoreBackup"},
            {"server": "cloud", "path": tenant, "authId": "sync@pbs!push", "role": "DatastoreBackup"},
        ],
        "namespaces": [{"server": "cloud", "store": "offsite", "ns": "tenant/a"}],
        "remotes": {"cloud": {"server": "onprem", "host": cloud.host, "port": cloud.port,
                              "fingerprintFrom": "cloud", "passwordFromToken": "sync@pbs!push"}},
        "syncJobs": {"push-a": {"server": "onprem", "syncDirection": "push", "store": "store1",
                                "remote": "cloud", "remoteStore": "offsite", "remoteNs": "tenant/a"}},
    }  # fmt: skip
    run.set(**config)
    up = run.up()
    assert up.ok, up.diagnostics
    assert len(up.ops()) == 7  # user, token, 2 ACL entries, namespace, remote, job
    assert login(cloud, "sync@pbs", password) == 200
    assert namespaces(cloud, "offsite")[:3] == ["", "tenant", "tenant/a"]  # the parent first
    remote = stored_remote(onprem, "cloud")
    assert remote["auth-id"] == "sync@pbs!push"
    assert privileges(cloud, remote["auth-id"], "/datastore/offsite/tenant/a") == {"Datastore.Backup"}
    assert call_as(cloud, remote["auth-id"], remote["password"], "/version").status_code == 200
    text = Path(run.state).read_text()
    assert password in text and password not in bare_state_text(run.state_json())  # only as a secret
    assert remote["password"] not in bare_state_text(run.state_json())

    # an ACL entry removed and another added; the token rotated: the remote follows in the same `up`
    config["acls"] = [{**config["acls"][0], "role": "DatastorePowerUser"}, config["acls"][1]]
    config["tokens"] = {
        "sync@pbs!push": {"server": "cloud", "comment": "remote cloud on onprem", "regenerate": "2026-11"}
    }
    run.set(**config)
    changed = run.up()
    assert changed.ok, changed.diagnostics
    assert sorted(changed.ops()) == [
        ("create", "cloud:/datastore/offsite/tenant/a:sync@pbs:DatastorePowerUser"),
        ("delete", "cloud:/datastore/offsite/tenant/a:sync@pbs:DatastoreBackup"),
        ("update", "cloud"),
        ("update", "sync@pbs!push"),
    ]
    assert acl_entries(cloud, "/datastore/offsite/tenant/a") == [
        ("sync@pbs", "DatastorePowerUser", True),
        ("sync@pbs!push", "DatastoreBackup", True),
    ]
    rotated = stored_remote(onprem, "cloud")["password"]
    assert rotated != remote["password"]
    assert call_as(cloud, "sync@pbs!push", rotated, "/version").status_code == 200
    assert run.preview().ops() == []

    # a token change that keeps the secret: preview cannot know the secret stays (a dynamic provider
    # reports no outputs before `up`), so the remote shows as an update there; `up` leaves it alone
    config["tokens"]["sync@pbs!push"]["comment"] = "renamed"
    run.set(**config)
    assert sorted(run.preview().ops()) == [("update", "cloud"), ("update", "sync@pbs!push")]
    assert run.up().ops() == [("update", "sync@pbs!push")]
    assert stored_remote(onprem, "cloud")["password"] == rotated

    gone = run.destroy()
    assert gone.ok and len(gone.ops()) == 7
    assert namespaces(cloud, "offsite") == [""]  # the namespace and the parent it created
    assert acl_entries(cloud, "/datastore/offsite/tenant/a") == []


def seed_scenario() -> dict[str, Any]:
    """The stack config docs/replication.md shows for an on-prem → Cloud-PBS push."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "replication.md").read_text()
    begin, end = "<!-- BEGIN stack example: push -->", "<!-- END stack example: push -->"
    block = text.split(begin, 1)[1].split(end, 1)[0]
    return yaml.safe_load(block.strip().removeprefix("```yaml").removesuffix("```"))["config"]


def test_the_readme_seed_scenario_deploys_and_works(run, sims):
    onprem, cloud = sims["onprem"], sims["cloud"]
    config = seed_scenario()
    assert set(config["pbs-replication:servers"]) == set(sims)  # the simulators stand in for both
    run.set(replications=config["pbs-replication:replications"])
    up = run.up()
    assert up.ok, up.diagnostics
    assert len(children(run, "push-cloud")) == 7
    remote = stored_remote(onprem, "push-cloud")
    job = onprem.api("GET", "/config/sync/push-cloud").json()["data"]
    assert (job["sync-direction"], job["remote"], job["remote-store"], job["remote-ns"]) == (
        "push", "push-cloud", "offsite", "onprem",
    )  # fmt: skip
    assert (job["schedule"], job["rate-out"]) == ("hourly", "50 MiB")
    assert privileges(cloud, remote["auth-id"], "/datastore/offsite/onprem") == {"Datastore.Backup"}
    assert call_as(cloud, remote["auth-id"], remote["password"], "/admin/datastore/offsite/namespace",
                   parent="onprem").status_code == 200  # fmt: skip
    assert run.preview().ops() == []
