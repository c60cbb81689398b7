"""AclEntry through the real plugin (tier 1): adding and removing an entry (PBS's `PUT /access/acl`
with the boolean `delete`), privileges of a token as the intersection with its user's, `propagate`
in place, path/auth id/role changes replace, drift, adopt, and PBS's path and role tables at
preview (no request), roles newer than the server refused by the version gate."""

from __future__ import annotations

import pytest

from offline_engine.provider_host import ProviderRpcError

from .driver import Stack, start_plugin
from .helpers import acl_entries, privileges, writes

PATH = "/datastore/offsite/site1"
USER = {"server": "cloud", "userid": "acl@pbs"}
TOKEN = {"server": "cloud", "userid": "acl@pbs", "tokenName": "push"}
FOR_USER = {"server": "cloud", "path": PATH, "authId": "acl@pbs", "role": "DatastoreBackup"}
FOR_TOKEN = {**FOR_USER, "authId": "acl@pbs!push"}


@pytest.fixture
def principal(stack):
    stack.up("user", "user", USER)
    stack.up("token", "token", TOKEN)
    return stack


def test_add_and_remove_entries_for_user_and_token(principal, cloud):
    stack = principal
    assert stack.up("acl", "for-token", FOR_TOKEN) == "create"
    assert acl_entries(cloud, PATH) == [("acl@pbs!push", "DatastoreBackup", True)]
    assert privileges(cloud, "acl@pbs!push", PATH) == set()  # the user has nothing: nor has its token
    assert stack.up("acl", "for-user", FOR_USER) == "create"
    assert privileges(cloud, "acl@pbs!push", PATH) == {"Datastore.Backup"}
    assert privileges(cloud, "acl@pbs!push", f"{PATH}/below") == {"Datastore.Backup"}  # propagated
    assert stack.plan("acl", "for-token", FOR_TOKEN) == ("same", [])
    assert stack.refresh("for-token") == "same"

    cloud.clear_request_log()
    stack.destroy("for-token")
    assert [e["path"] for e in cloud.request_log() if e["method"] == "PUT"] == ["/api2/json/access/acl"]
    assert acl_entries(cloud, PATH) == [("acl@pbs", "DatastoreBackup", True)]
    assert privileges(cloud, "acl@pbs!push", PATH) == set()


def test_propagate_changes_in_place_identity_changes_replace(principal, cloud):
    stack = principal
    stack.up("acl", "a", FOR_USER)
    assert stack.plan("acl", "a", {**FOR_USER, "propagate": True}) == ("same", [])  # PBS's default
    assert stack.up("acl", "a", {**FOR_USER, "propagate": False}) == "update"
    assert acl_entries(cloud, PATH) == [("acl@pbs", "DatastoreBackup", False)]
    assert privileges(cloud, "acl@pbs", f"{PATH}/below") == set()
    assert stack.up("acl", "a", FOR_USER) == "update"  # removed: back to PBS's default, propagate
    assert acl_entries(cloud, PATH) == [("acl@pbs", "DatastoreBackup", True)]

    for field, value in (
        ("role", "DatastorePowerUser"),
        ("path", "/datastore/offsite"),
        ("authId", "acl@pbs!push"),
    ):
        assert stack.plan("acl", "a", {**FOR_USER, field: value}) == ("replace", [field])
    assert stack.up("acl", "a", {**FOR_USER, "role": "DatastorePowerUser"}) == "replace"
    assert acl_entries(cloud, PATH) == [("acl@pbs", "DatastorePowerUser", True)]


def test_drift_and_adopt(principal, cloud):
    stack = principal
    stack.up("acl", "a", FOR_USER)
    cloud.api(
        "PUT",
        "/access/acl",
        json={"path": PATH, "auth-id": "acl@pbs", "role": "DatastoreBackup", "delete": True},
    )
    assert stack.refresh("a") == "gone"
    cloud.api(
        "PUT",
        "/access/acl",
        json={"path": PATH, "auth-id": "acl@pbs", "role": "DatastoreBackup", "propagate": False},
    )
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("acl", "a", FOR_USER)
    assert f"ACL entry `{PATH}:acl@pbs:DatastoreBackup` already exists on server `cloud`" in str(
        failure.value
    )
    assert stack.up("acl", "a", {**FOR_USER, "adopt": True}) == "create"
    assert acl_entries(cloud, PATH) == [("acl@pbs", "DatastoreBackup", True)]  # changed to match


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("path", "/datastore/offsite/", "does not match the regex pattern"),
        ("path", "/nowhere/x", "invalid acl path '/nowhere/x'."),
        ("path", "/datastore/s/1/2/3/4/5/6/7/8", "invalid acl path"),
        ("role", "DatastoreWriter", "value 'DatastoreWriter' is not defined in the enumeration."),
        ("authId", "not-a-user", "`authId`"),
    ],
)
def test_paths_and_roles_are_checked_against_pbs_tables_at_preview(stack, cloud, field, value, words):
    cloud.clear_request_log()
    failures = stack.check("acl", "a", {**FOR_USER, field: value}, preview=True)
    assert [f for f, _ in failures] == [field] and words in failures[0][1], failures
    assert cloud.request_log() == []


def test_roles_newer_than_the_server_fail_the_version_gate(pbs_sim_factory):
    old = pbs_sim_factory("old", datastores=["offsite"], pbs_version="3.1.2")
    host = start_plugin(old=old)
    try:
        stack = Stack(host)
        push_role = {
            "server": "old",
            "path": "/remote/cloud",
            "authId": "root@pam",
            "role": "RemoteSyncPushOperator",
        }
        failures = stack.check("acl", "a", push_role)
        assert failures == [
            ("role", "role `RemoteSyncPushOperator` needs PBS ≥ 3.2.11; server `old` runs 3.1.2")
        ]
        assert stack.check("acl", "a", {**push_role, "role": "RemoteSyncOperator"}) == []
        assert writes(old) == []
    finally:
        host.stop()
