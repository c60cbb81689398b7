"""Pull jobs between two simulators over HTTPS: exactly which snapshots arrive, and the task log."""

from __future__ import annotations

import pytest

from tests.sim_sync.support import admin_remote, grant, job, names, ok, pull_job, remote, run, sync_user

SOURCE = {
    "store1": [
        {"group": "vm/100", "snapshots": 3},
        {"group": "vm/101", "snapshots": 2},
        {"group": "ct/200", "snapshots": 1},
        {"group": "host/web", "ns": "site1", "snapshots": 2},
        {"group": "vm/300", "ns": "site1/a", "snapshots": 1},
        {"group": "vm/400", "ns": "site1/a/b", "snapshots": 1},
    ]
}
D1, D2, D3 = "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z"
OLDER = "older than the newest snapshot present on sync target"


@pytest.fixture
def pull(onprem, cloud):
    """onprem holds SOURCE; cloud pulls from it with onprem's admin token (remote ``other``)."""
    onprem.seed_content(SOURCE)
    admin_remote(cloud, onprem)
    return onprem, cloud


def test_full_pull_then_incremental(pull):
    onprem, cloud = pull
    pull_job(cloud)
    state, log = run(cloud, "pull1")
    assert state == "OK", log
    for ns in ("", "site1", "site1/a", "site1/a/b"):
        assert names(cloud, "offsite", ns) == names(onprem, "store1", ns), ns
    assert names(cloud, "offsite") == [
        f"ct/200/{D1}",
        f"vm/100/{D1}",
        f"vm/100/{D2}",
        f"vm/100/{D3}",
        f"vm/101/{D1}",
        f"vm/101/{D2}",
    ]
    assert {e["owner"] for e in cloud.content("offsite")["offsite"]} == {"root@pam"}  # the job owner
    assert log[0] == "Starting datastore sync job 'other:store1:offsite::pull1'"
    assert (
        "Syncing datastore 'store1', namespace 'site1/a' into datastore 'offsite', namespace 'site1/a'" in log
    )
    assert "Created namespace site1/a/b" in log
    assert "Found 3 groups to sync (out of 3 total)" in log
    assert f"[vm/100]: {D1}/drive-scsi0.img.fidx: downloaded 1 GiB (1 GiB/s)" in log
    assert (
        f"[vm/100]: {D3}: sync done" in log
        and "[vm/100]: percentage done: 55.56% (1/3 groups, 2/3 snapshots in group #2)" in log
    )
    assert "Summary: sync job pulled 10 GiB in 2563 chunks (average rate: 1 GiB/s)" in log
    assert log[-2:] == ["sync job 'other:store1:offsite::pull1' end", "TASK OK"]
    # the remote's reader sessions ran as tasks over there, as the remote's auth-id
    readers = [
        t
        for t in ok(onprem.api("GET", "/nodes/localhost/tasks", params={"limit": 0}))
        if t["worker_type"] == "reader"
    ]
    assert len(readers) == 10 and {t["user"] for t in readers} == {onprem.admin_token_id}

    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": [{"time": "2024-05-04T00:00:00Z"}]}]})
    state, log = run(cloud, "pull1")
    assert state == "OK"
    assert names(cloud, "offsite")[1:5] == [f"vm/100/{t}" for t in (D1, D2, D3, "2024-05-04T00:00:00Z")]
    assert f"[vm/100]: vm/100: skipped: 2 snapshot(s) ({D1} .. {D2}) - {OLDER}" in log
    assert f"[vm/100]: re-sync snapshot {D3}" in log and f"[vm/100]: {D3}: no data changes" in log
    assert "Summary: sync job pulled 1 GiB in 256 chunks (average rate: 1 GiB/s)" in log
    [status] = ok(cloud.api("GET", "/admin/sync"))
    assert status["last-run-state"] == "OK"


def test_group_filters(pull):
    _, cloud = pull
    pull_job(cloud, **{"group-filter": ["type:vm", "exclude:group:vm/101", "regex:^host/"], "max-depth": 1})
    state, log = run(cloud, "pull1")
    assert state == "OK"
    assert names(cloud, "offsite") == [f"vm/100/{t}" for t in (D1, D2, D3)]
    assert names(cloud, "offsite", "site1") == [f"host/web/{D1}", f"host/web/{D2}"]
    assert "Found 1 groups to sync (out of 3 total)" in log


def test_regex_filters_match_in_the_rust_regex_dialect(pull):
    """PBS matches `regex:` filters with the Rust `regex` crate (pbs-api-types/src/datastore.rs:1259):
    `[[:alpha:]]` is a POSIX class and `(?i)` may stand mid-pattern; Python's `re` reads the first
    as a set of punctuation and refuses the second."""
    _, cloud = pull
    filters = ["regex:^[[:alpha:]]+/1\\d{2}$", "exclude:regex:vm/(?i)101"]
    pull_job(cloud, **{"group-filter": filters, "max-depth": 0})
    state, log = run(cloud, "pull1")
    assert state == "OK", log
    assert names(cloud, "offsite") == [f"vm/100/{t}" for t in (D1, D2, D3)]
    assert "Found 1 groups to sync (out of 3 total)" in log


def test_transfer_last(pull):
    _, cloud = pull
    pull_job(cloud, **{"transfer-last": 1, "max-depth": 0})
    assert run(cloud, "pull1")[0] == "OK"
    assert names(cloud, "offsite") == [f"ct/200/{D1}", f"vm/100/{D3}", f"vm/101/{D2}"]
    log = run(cloud, "pull1")[1]
    assert "Summary: sync job found no new data to pull" in log
    # a later run keeps the one it has and takes only what is newer
    cloud.api("DELETE", "/config/sync/pull1")
    pull_job(cloud, **{"transfer-last": 2, "max-depth": 0})
    log = run(cloud, "pull1")[1]
    assert f"[vm/100]: vm/100: skipped: 2 snapshot(s) ({D1} .. {D2}) - {OLDER}" in log
    assert names(cloud, "offsite") == [f"ct/200/{D1}", f"vm/100/{D3}", f"vm/101/{D2}"]


def test_transfer_last_log(pull):
    _, cloud = pull
    pull_job(cloud, **{"transfer-last": 1, "max-depth": 0})
    log = run(cloud, "pull1")[1]
    assert f"[vm/100]: vm/100: skipped: 2 snapshot(s) ({D1} .. {D2}) - due to transfer-last" in log
    assert f"[vm/101]: vm/101: skipped: 1 snapshot(s) ({D1}) - due to transfer-last" in log


def test_namespace_mapping_and_max_depth(pull):
    _, cloud = pull
    ok(cloud.api("POST", "/admin/datastore/offsite/namespace", json={"name": "mirror"}))
    pull_job(cloud, ns="mirror", **{"remote-ns": "site1", "max-depth": 1})
    state, log = run(cloud, "pull1")
    assert state == "OK"
    assert names(cloud, "offsite", "mirror") == [f"host/web/{D1}", f"host/web/{D2}"]
    assert names(cloud, "offsite", "mirror/a") == [f"vm/300/{D1}"]
    assert names(cloud, "offsite") == [] and names(cloud, "offsite", "mirror/a/b") == []  # below max-depth
    assert (
        "Syncing datastore 'store1', namespace 'site1/a' into datastore 'offsite', namespace 'mirror/a'"
        in log
    )


def test_namespace_mismatch_is_ok_with_nothing_transferred(pull):
    """The data lives in site1, the job pulls an existing but empty namespace: PBS says OK."""
    onprem, cloud = pull
    ok(onprem.api("POST", "/admin/datastore/store1/namespace", json={"name": "site2"}))
    pull_job(cloud, **{"remote-ns": "site2"})
    state, log = run(cloud, "pull1")
    assert state == "OK"
    assert "Found 0 groups to sync (out of 0 total)" in log
    assert "Summary: sync job found no new data to pull" in log
    assert cloud.content("offsite") == {"offsite": []}


def test_remove_vanished(pull):
    onprem, cloud = pull
    pull_job(cloud, **{"remove-vanished": True})
    assert run(cloud, "pull1")[0] == "OK"
    # gone on the source: one snapshot, one group, one namespace tree
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
    # a group owned by someone else on the target is not the job's to remove
    cloud.seed_content({"offsite": [{"group": "vm/999", "owner": "other@pbs", "snapshots": 1}]})
    state, log = run(cloud, "pull1")
    assert state == "OK", log
    assert names(cloud, "offsite") == [
        f"vm/100/{D2}",
        f"vm/100/{D3}",
        f"vm/101/{D1}",
        f"vm/101/{D2}",
        f"vm/999/{D1}",
    ]
    assert ok(cloud.api("GET", "/admin/datastore/offsite/namespace")) == [{"ns": ""}, {"ns": "site1"}]
    assert f"[vm/100]: delete vanished snapshot vm/100/{D1}" in log
    assert "Delete vanished group 'ct/200'" in log
    assert "Removed namespace site1/a/b" in log and "Removed namespace site1/a" in log
    # PBS counts the namespaces, not the groups removed with them
    assert "Summary: removed vanished: snapshots: 2, groups: 1, namespaces: 2" in log


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ("encrypted-only", [f"vm/100/{D2}"]),
        ("verified-only", [f"vm/100/{D1}", f"vm/100/{D3}"]),
    ],
)
def test_encrypted_and_verified_only(onprem, cloud, flag, expected):
    onprem.seed_content(
        {
            "store1": [
                {
                    "group": "vm/100",
                    "snapshots": [
                        {"time": D1, "verified": True},
                        {"time": D2, "encrypted": True, "verified": "failed"},
                        {"time": D3, "encrypted": False, "verified": "ok"},
                    ],
                }
            ]
        }
    )
    admin_remote(cloud, onprem)
    pull_job(cloud, **{flag: True})
    assert run(cloud, "pull1")[0] == "OK"
    assert names(cloud, "offsite") == expected
    [entry] = cloud.content("offsite")["offsite"]
    source = {s["time"]: s for s in onprem.content("store1")["store1"][0]["snapshots"]}
    assert all(s == source[s["time"]] for s in entry["snapshots"])  # flags travel with the manifest


def test_rate_limit_is_a_simulated_duration(onprem, cloud):
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": [{"time": D1, "size": "100 MiB"}]}]})
    admin_remote(cloud, onprem)
    pull_job(cloud, **{"rate-in": "10 MiB", "burst-in": "1 B"})
    state, log = run(cloud, "pull1")
    assert state == "OK"
    assert f"[vm/100]: {D1}/drive-scsi0.img.fidx: downloaded 100 MiB (10 MiB/s)" in log
    assert "Summary: sync job pulled 100 MiB in 25 chunks (average rate: 10 MiB/s)" in log


def test_remote_user_sees_what_its_privileges_allow(onprem, cloud):
    """The remote's auth-id only has Datastore.Backup over there: it reads just its own groups."""
    onprem.seed_content(SOURCE)
    secret = sync_user(onprem, "reader@pbs", "pull", roles={"/datastore/store1": "DatastoreBackup"})
    onprem.seed_content({"store1": [{"group": "vm/500", "owner": "reader@pbs!pull", "snapshots": 1}]})
    remote(cloud, onprem, "reader@pbs!pull", secret)
    pull_job(cloud)
    state, log = run(cloud, "pull1")
    assert state == "OK", log
    assert names(cloud, "offsite") == [f"vm/500/{D1}"]
    assert names(cloud, "offsite", "site1") == []
    grant(onprem, "/datastore/store1", "reader@pbs", "DatastoreReader")
    grant(onprem, "/datastore/store1", "reader@pbs!pull", "DatastoreReader")
    assert run(cloud, "pull1")[0] == "OK"
    assert names(cloud, "offsite", "site1/a/b") == [f"vm/400/{D1}"]


def test_job_owner_owns_pulled_groups_and_needs_privileges(pull):
    _, cloud = pull
    ok(cloud.api("POST", "/access/users", json={"userid": "owner@pbs"}))
    pull_job(cloud, owner="owner@pbs", **{"max-depth": 0})
    state, log = run(cloud, "pull1")
    assert state == "sync failed with some errors."
    assert (
        "Cannot sync datastore 'store1', root namespace into datastore 'offsite', root namespace - "
        "sync into datastore 'offsite', root namespace not allowed - "
        "permission check failed - missing Datastore.Backup on /datastore/offsite"
    ) in log
    grant(cloud, "/datastore/offsite", "owner@pbs", "DatastoreBackup")
    assert run(cloud, "pull1")[0] == "OK"
    assert {e["owner"] for e in cloud.content("offsite")["offsite"]} == {"owner@pbs"}


def test_local_sync_between_datastores(onprem):
    ok(onprem.api("POST", "/config/datastore", json={"name": "store2", "path": "/backup/store2"}))
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": 2}]})
    job(onprem, "local1", store="store2", **{"remote-store": "store1"})
    state, log = run(onprem, "local1")
    assert state == "OK", log
    assert names(onprem, "store2") == names(onprem, "store1")
    assert log[1] == "sync datastore 'store2' from 'store1'"


def test_resync_corrupt(onprem, cloud):
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": 2}]})
    admin_remote(cloud, onprem)
    pull_job(cloud)
    assert run(cloud, "pull1")[0] == "OK"
    # a verify job on the target found the older copy broken
    cloud.seed_content({"offsite": [{"group": "vm/100", "snapshots": [{"time": D1, "verified": "failed"}]}]})
    log = run(cloud, "pull1")[1]
    assert f"[vm/100]: vm/100: skipped: 1 snapshot(s) ({D1}) - {OLDER}" in log  # not without resync-corrupt
    ok(cloud.api("PUT", "/config/sync/pull1", json={"resync-corrupt": True}))
    state, log = run(cloud, "pull1")
    assert state == "OK"
    assert f"[vm/100]: re-sync snapshot {D1} due to corruption" in log
    assert f"[vm/100]: {D1}/drive-scsi0.img.fidx: downloaded 1 GiB (1 GiB/s)" in log
    assert [s["verified"] for s in cloud.content("offsite")["offsite"][0]["snapshots"]] == [None, None]


def test_resync_of_the_newest_snapshot_takes_its_new_verify_state_without_downloading(onprem, cloud):
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": [{"time": D1}]}]})
    admin_remote(cloud, onprem)
    pull_job(cloud)
    assert run(cloud, "pull1")[0] == "OK"
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": [{"time": D1, "verified": True}]}]})
    state, log = run(cloud, "pull1")
    assert state == "OK"
    assert f"[vm/100]: re-sync snapshot {D1}" in log
    assert not any("downloaded" in line for line in log)  # the archives are already there
    assert cloud.content("offsite")["offsite"][0]["snapshots"][0]["verified"] == "ok"
