"""Push jobs: the target checks everything with the remote's credentials, over HTTPS."""

from __future__ import annotations

import pytest

from tests.sim_sync.support import grant, names, ok, push_job, remote, run, sync_user

SOURCE = {
    "store1": [
        {"group": "vm/100", "snapshots": 3},
        {"group": "ct/200", "snapshots": 1},
        {"group": "vm/300", "ns": "site1", "snapshots": 1},
        {"group": "vm/400", "ns": "site1/a", "snapshots": 1},
    ]
}
D1, D2, D3 = "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z"
PUSHER = "sync@pbs!push"
OLDER = "older than the newest snapshot present on sync target"


def setup_push(onprem, cloud, role: str = "DatastorePowerUser", path: str = "/datastore/offsite") -> None:
    """onprem holds SOURCE; cloud has sync@pbs!push with ``role``; onprem's remote ``other`` uses it."""
    onprem.seed_content(SOURCE)
    secret = sync_user(cloud, "sync@pbs", "push", roles={path: role})
    remote(onprem, cloud, PUSHER, secret)


def test_push_root_namespace(onprem, cloud):
    setup_push(onprem, cloud)
    push_job(onprem, **{"max-depth": 0})
    cloud.clear_request_log()
    state, log = run(onprem, "push1")
    requests = cloud.request_log()
    assert state == "OK", log
    assert names(cloud, "offsite") == [f"ct/200/{D1}", f"vm/100/{D1}", f"vm/100/{D2}", f"vm/100/{D3}"]
    # groups created by a push belong to the remote's auth-id, not to the job owner
    assert {e["owner"] for e in cloud.content("offsite")["offsite"]} == {PUSHER}
    assert log[1] == "sync datastore 'store1' to 'other/offsite'"
    assert f"[vm/100]: {D2}: sync archive drive-scsi0.img.fidx" in log
    assert f"[vm/100]: {D2}/drive-scsi0.img.fidx: uploaded 1 GiB (1 GiB/s)" in log
    assert "Summary: sync job pushed 4 GiB in 1025 chunks (average rate: 1 GiB/s)" in log
    # each snapshot was a backup session on the target, run as the remote user
    tasks = ok(cloud.api("GET", "/nodes/localhost/tasks", params={"limit": 0}))
    backups = [t for t in tasks if t["worker_type"] == "backup"]
    assert len(backups) == 4 and {t["user"] for t in backups} == {PUSHER}
    assert {t["worker_id"] for t in backups} == {"offsite:vm/100", "offsite:ct/200"}
    # the requests reached the target with the remote's credentials
    assert {e["auth_id"] for e in requests} == {PUSHER}
    assert [e["path"] for e in requests[:2]] == [
        "/api2/json/version",
        "/api2/json/admin/datastore/offsite/namespace",
    ]

    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": [{"time": "2024-05-04T00:00:00Z"}]}]})
    state, log = run(onprem, "push1")
    assert state == "OK"
    assert f"[vm/100]: skipped: 3 snapshot(s) ({D1} .. {D3}) - {OLDER}" in log
    assert names(cloud, "offsite")[-1] == "vm/100/2024-05-04T00:00:00Z"


def test_push_creates_namespaces_when_the_target_allows(onprem, cloud):
    setup_push(onprem, cloud, role="DatastoreAdmin")
    push_job(onprem, **{"remote-ns": "tenant"})
    state, log = run(onprem, "push1")
    assert state == "OK", log
    assert "Successfully created new namespace tenant on remote" in log
    assert "Successfully created new namespace tenant/site1/a on remote" in log
    assert names(cloud, "offsite", "tenant") == [
        f"ct/200/{D1}",
        f"vm/100/{D1}",
        f"vm/100/{D2}",
        f"vm/100/{D3}",
    ]
    assert names(cloud, "offsite", "tenant/site1/a") == [f"vm/400/{D1}"]


def test_target_refuses_to_create_namespaces(onprem, cloud):
    setup_push(onprem, cloud, role="DatastoreBackup")
    push_job(onprem, **{"remote-ns": "tenant"})
    state, log = run(onprem, "push1")
    assert state == "Sync failed with some errors!"
    assert (
        "Encountered error: Creation of remote namespace tenant failed, remote returned error: "
        "permission check failed - missing Datastore.Modify on /datastore/offsite"
    ) in log
    failed = "Failed to sync datastore 'store1', root namespace into datastore 'offsite', namespace 'tenant'!"
    assert f"{failed}" in log
    assert cloud.content("offsite") == {"offsite": []}


def test_job_owner_may_not_create_remote_namespaces(onprem, cloud):
    """A non-root job owner needs Remote.DatastoreModify to create namespaces over there."""
    setup_push(onprem, cloud, role="DatastoreAdmin")
    ok(onprem.api("POST", "/access/users", json={"userid": "pusher@pbs"}))
    grant(onprem, "/remote/other/offsite", "pusher@pbs", "RemoteSyncPushOperator")
    grant(onprem, "/datastore/store1", "pusher@pbs", "DatastoreReader")
    push_job(onprem, owner="pusher@pbs", **{"remote-ns": "tenant", "max-depth": 0})
    state, log = run(onprem, "push1")
    assert state == "Sync failed with some errors!"
    assert (
        "Encountered error: Creating remote namespace not allowed: "
        "missing permissions 'Remote.DatastoreModify' on '/remote/other/offsite/tenant'"
    ) in log
    ok(cloud.api("POST", "/admin/datastore/offsite/namespace", json={"name": "tenant"}))  # pre-created: fine
    state, log = run(onprem, "push1")
    assert state == "OK", log
    assert names(cloud, "offsite", "tenant") == [
        f"ct/200/{D1}",
        f"vm/100/{D1}",
        f"vm/100/{D2}",
        f"vm/100/{D3}",
    ]


def test_groups_owned_by_someone_else_are_skipped_when_visible(onprem, cloud):
    """With Datastore.Audit over there the push sees the foreign owner and skips the group."""
    setup_push(onprem, cloud, role="DatastoreAdmin")
    cloud.seed_content({"offsite": [{"group": "vm/100", "owner": "other@pbs", "snapshots": [{"time": D1}]}]})
    push_job(onprem, **{"max-depth": 0})
    state, log = run(onprem, "push1")
    assert state == "WARNINGS: 1"
    assert (
        "[vm/100]: Group 'vm/100' not owned by remote user 'sync@pbs!push' on target, skipping upload" in log
    )
    assert names(cloud, "offsite") == [f"ct/200/{D1}", f"vm/100/{D1}"]
    [status] = ok(onprem.api("GET", "/admin/sync", params={"sync-direction": "push"}))
    assert status["last-run-state"] == "WARNINGS: 1"


def test_groups_owned_by_someone_else_fail_the_owner_check(onprem, cloud):
    """Without Datastore.Audit the foreign group is invisible: the backup session's owner check fails."""
    setup_push(onprem, cloud, role="DatastorePowerUser")
    cloud.seed_content({"offsite": [{"group": "vm/100", "owner": "other@pbs", "snapshots": [{"time": D1}]}]})
    push_job(onprem, **{"max-depth": 0})
    state, log = run(onprem, "push1")
    assert state == "Sync failed with some errors!"
    assert (
        f"[vm/100]: Encountered errors: {D1}: backup owner check failed (sync@pbs!push != other@pbs)"
    ) in log
    assert "[vm/100]: Failed to push group vm/100 to remote!" in log
    assert names(cloud, "offsite") == [f"ct/200/{D1}", f"vm/100/{D1}"]  # the other groups went through


def test_push_remove_vanished_only_touches_owned_groups(onprem, cloud):
    setup_push(onprem, cloud, role="DatastoreAdmin")
    push_job(onprem, **{"remove-vanished": True})
    assert run(onprem, "push1")[0] == "OK"
    ok(
        onprem.api(
            "DELETE",
            "/admin/datastore/store1/snapshots",
            params={"backup-type": "vm", "backup-id": "100", "backup-time": 1714521600},
        )
    )
    ok(
        onprem.api(
            "DELETE", "/admin/datastore/store1/groups", params={"backup-type": "ct", "backup-id": "200"}
        )
    )
    ok(
        onprem.api(
            "DELETE", "/admin/datastore/store1/namespace", params={"ns": "site1/a", "delete-groups": True}
        )
    )
    cloud.seed_content({"offsite": [{"group": "vm/999", "owner": "other@pbs", "snapshots": 1}]})
    state, log = run(onprem, "push1")
    assert state == "OK", log
    assert names(cloud, "offsite") == [f"vm/100/{D2}", f"vm/100/{D3}", f"vm/999/{D1}"]
    assert ok(cloud.api("GET", "/admin/datastore/offsite/namespace")) == [{"ns": ""}, {"ns": "site1"}]
    assert f"[vm/100]: Removed vanished snapshot vm/100/{D1} from remote" in log
    assert "Removed vanished group ct/200 from remote" in log
    assert "Successfully removed vanished namespace site1/a from remote" in log
    assert "Summary: removed vanished: snapshots: 3, groups: 2, namespaces: 1" in log


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"transfer-last": 1}, [f"ct/200/{D1}", f"vm/100/{D3}"]),
        ({"group-filter": ["exclude:type:ct"]}, [f"vm/100/{D1}", f"vm/100/{D2}", f"vm/100/{D3}"]),
        ({"encrypted-only": True}, [f"vm/100/{D2}"]),
        ({"verified-only": True}, [f"ct/200/{D1}", f"vm/100/{D3}"]),
    ],
)
def test_push_selection(onprem, cloud, fields, expected):
    setup_push(onprem, cloud)
    onprem.seed_content(
        {
            "store1": [
                {
                    "group": "vm/100",
                    "snapshots": [{"time": D2, "encrypted": True}, {"time": D3, "verified": True}],
                },
                {"group": "ct/200", "snapshots": [{"time": D1, "verified": "ok"}]},
            ]
        }
    )
    push_job(onprem, **{"max-depth": 0, **fields})
    state, log = run(onprem, "push1")
    assert state == "OK", log
    assert names(cloud, "offsite") == expected


def test_rate_out_is_a_simulated_duration(onprem, cloud):
    setup_push(onprem, cloud)
    push_job(
        onprem,
        **{"max-depth": 0, "rate-out": "512 MiB", "burst-out": "1 B", "group-filter": ["group:ct/200"]},
    )
    state, log = run(onprem, "push1")
    assert state == "OK"
    assert f"[ct/200]: {D1}/root.pxar.didx: uploaded 1 GiB (512 MiB/s)" in log
