"""Prune and verify jobs against PBS 4.2.3's source, one vector per rule (each names its source).

proxmox-backup at 4.2.3: `src/api2/config/prune.rs`, `verify.rs` (config endpoints),
`src/api2/admin/prune.rs`, `verify.rs` (status and run), `src/server/prune_job.rs`,
`src/server/verify_job.rs`, `src/backup/verify.rs`, `src/backup/hierarchy.rs` (runs);
proxmox-rs at f3305009a212: pbs-api-types `src/jobs.rs` (`PruneJobConfig`, `VerificationJobConfig`),
`src/datastore.rs` (`print_store_and_ns`), pbs-datastore `src/store_progress.rs` (in proxmox-backup).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from pbs_sim.models.tasks import Upid
from pbs_sim.testing import SimHandle
from tests.sim.support import as_token, data, error, file_digest, grant, make_token, make_user

PRUNE = {"id": "p-1", "store": "store1", "schedule": "daily"}
VERIFY = {"id": "v-1", "store": "store1"}


def run(sim: SimHandle, kind: str, job_id: str) -> tuple[str, dict]:
    upid = data(sim.api("POST", f"/admin/{kind}/{job_id}/run"))
    return upid, sim.wait_task(upid)


def ops_token(sim: SimHandle, path: str, role: str) -> tuple[str, str]:
    """A token (and its user) holding `role` on `path`: the token id and its secret."""
    make_user(sim, "ops@pbs")
    secret = make_token(sim, "ops@pbs", "t")
    for auth in ("ops@pbs", "ops@pbs!t"):
        grant(sim, path, auth, role)
    return "ops@pbs!t", secret


# --- config endpoints: src/api2/config/prune.rs, verify.rs ------------------------------------------


def test_prune_list_follows_the_job_namespace_path(pbs_sim):
    # list_prune_jobs: PRIV_DATASTORE_AUDIT | PRIV_DATASTORE_MODIFY on acl_path() (config and admin);
    # no built-in role has Modify without Audit, so the two privileges cannot be told apart here
    data(pbs_sim.api("POST", "/config/prune", json={**PRUNE, "ns": "a"}))
    data(pbs_sim.api("POST", "/admin/datastore/store1/namespace", json={"name": "a"}))
    token, secret = ops_token(pbs_sim, "/datastore/store1/a", "DatastorePowerUser")  # Prune, Backup
    assert data(as_token(pbs_sim, token, secret, "GET", "/config/prune")) == []
    grant(pbs_sim, "/datastore/store1/a", "ops@pbs", "DatastoreAdmin")
    grant(pbs_sim, "/datastore/store1/a", token, "DatastoreAdmin")
    listed = as_token(pbs_sim, token, secret, "GET", "/config/prune")
    assert [job["id"] for job in data(listed)] == ["p-1"]
    assert listed.json()["digest"] == file_digest(pbs_sim, "prune.cfg")
    status = data(as_token(pbs_sim, token, secret, "GET", "/admin/prune"))
    assert [job["id"] for job in status] == ["p-1"]


def test_prune_read_needs_datastore_audit_on_the_namespace_path(pbs_sim):
    # read_prune_job: PRIV_DATASTORE_AUDIT only (whatever its description says), on acl_path() with ns
    data(pbs_sim.api("POST", "/config/prune", json={**PRUNE, "ns": "a/b"}))
    token, secret = ops_token(pbs_sim, "/datastore/store1", "DatastorePowerUser")
    denied = as_token(pbs_sim, token, secret, "GET", "/config/prune/p-1")
    error(denied, 400, "missing permissions 'Datastore.Audit' on '/datastore/store1/a/b'")


def test_verify_read_and_list_need_audit_or_verify(pbs_sim):
    # read_verification_job / list_verification_jobs: PRIV_DATASTORE_AUDIT | PRIV_DATASTORE_VERIFY
    data(pbs_sim.api("POST", "/config/verify", json={**VERIFY, "ns": "a"}))
    token, secret = ops_token(pbs_sim, "/datastore/store1", "DatastoreBackup")
    denied = as_token(pbs_sim, token, secret, "GET", "/config/verify/v-1")
    error(denied, 400, "missing permissions 'Datastore.Audit|Datastore.Verify' on '/datastore/store1/a'")
    assert data(as_token(pbs_sim, token, secret, "GET", "/config/verify")) == []


def test_create_refuses_a_taken_id_as_a_parameter_error(pbs_sim):
    # param_bail!("id", "job '{}' already exists.", ...) in both create handlers
    data(pbs_sim.api("POST", "/config/prune", json=PRUNE))
    data(pbs_sim.api("POST", "/config/verify", json={**VERIFY, "id": "v-9"}))
    for kind, body in (("prune", PRUNE), ("verify", {**VERIFY, "id": "v-9"})):
        response = pbs_sim.api("POST", f"/config/{kind}", json=body)
        error(response, 400, f"parameter verification failed - 'id': job '{body['id']}' already exists.")


@pytest.mark.parametrize(
    ("kind", "fields", "depth"),
    [
        ("prune", {"ns": "a/b/c/d/e/f", "max-depth": 7}, 7),
        ("verify", {"ns": "a/b/c/d/e/f/g", "max-depth": 7}, 7),
    ],
)
def test_max_depth_is_not_checked_against_the_namespace_depth(pbs_sim, kind, fields, depth):
    # only src/api2/config/sync.rs calls check_max_depth; prune.rs and verify.rs store any 0..=7
    data(pbs_sim.api("POST", f"/config/{kind}", json={**(PRUNE if kind == "prune" else VERIFY), **fields}))
    job_id = "p-1" if kind == "prune" else "v-1"
    assert data(pbs_sim.api("GET", f"/config/{kind}/{job_id}"))["max-depth"] == depth
    data(pbs_sim.api("PUT", f"/config/{kind}/{job_id}", json={"max-depth": 6}))
    assert data(pbs_sim.api("GET", f"/config/{kind}/{job_id}"))["max-depth"] == 6


def test_prune_cfg_text_and_a_false_disable_is_not_written(pbs_sim):
    # PruneJobConfig: `disable` is skip_serializing_if = "is_false"; section-config keys in JSON order
    body = {**PRUNE, "disable": False, "keep-last": 3, "keep-daily": 7, "ns": "a", "max-depth": 2}
    data(pbs_sim.api("POST", "/config/prune", json=body))
    assert (pbs_sim.data_dir / "prune.cfg").read_text() == (
        "prune: p-1\n\tkeep-daily 7\n\tkeep-last 3\n\tmax-depth 2\n\tns a\n\tschedule daily\n\tstore store1\n"
    )
    data(pbs_sim.api("PUT", "/config/prune/p-1", json={"disable": True}))
    assert "\tdisable true\n" in (pbs_sim.data_dir / "prune.cfg").read_text()
    data(pbs_sim.api("PUT", "/config/prune/p-1", json={"disable": False}))
    assert "disable" not in data(pbs_sim.api("GET", "/config/prune/p-1"))


def test_verification_cfg_text(pbs_sim):
    body = {**VERIFY, "ignore-verified": False, "outdated-after": 0, "schedule": "sat 03:00", "ns": ""}
    data(pbs_sim.api("POST", "/config/verify", json=body))
    assert (pbs_sim.data_dir / "verification.cfg").read_text() == (
        "verification: v-1\n\tignore-verified false\n\tns \n\toutdated-after 0\n"
        "\tschedule sat 03:00\n\tstore store1\n"
    )


@pytest.mark.parametrize(
    ("kind", "deletable"),
    [
        (
            "prune",
            [
                *("comment", "disable", "ns", "max-depth", "keep-last", "keep-hourly"),
                *("keep-daily", "keep-weekly", "keep-monthly", "keep-yearly"),
            ],
        ),
        (
            "verify",
            [
                *("ignore-verified", "comment", "schedule", "outdated-after", "ns", "max-depth"),
                *("read-threads", "verify-threads"),
            ],
        ),
    ],
)
def test_delete_takes_exactly_the_deletable_property_names(pbs_sim, kind, deletable):
    # the DeletableProperty enums of prune.rs and verify.rs
    full = {
        "prune": {**PRUNE, "comment": "c", "disable": True, "ns": "a", "max-depth": 1}
        | {name: 1 for name in ("keep-last", "keep-hourly", "keep-daily", "keep-weekly")}
        | {"keep-monthly": 1, "keep-yearly": 1},
        "verify": {**VERIFY, "ignore-verified": False, "comment": "c", "schedule": "daily"}
        | {"outdated-after": 3, "ns": "a", "max-depth": 1, "read-threads": 2, "verify-threads": 2},
    }[kind]
    data(pbs_sim.api("POST", f"/config/{kind}", json=full))
    job_id = full["id"]
    refused = pbs_sim.api("PUT", f"/config/{kind}/{job_id}", json={"delete": ["store"]})
    message = "parameter verification failed - 'delete/[0]': value 'store' is not defined in the enumeration."
    error(refused, 400, message)
    data(pbs_sim.api("PUT", f"/config/{kind}/{job_id}", json={"delete": deletable}))
    left = data(pbs_sim.api("GET", f"/config/{kind}/{job_id}"))
    assert left == {k: v for k, v in full.items() if k in ("id", "store", "schedule") and k not in deletable}


def test_digest_checks_on_update_and_delete(pbs_sim):
    # detect_modified_configuration_file (pbs-config src/lib.rs); delete looks the job up first
    data(pbs_sim.api("POST", "/config/prune", json=PRUNE))
    stale = "0" * 64
    message = "detected modified configuration - file changed by other user? Try again."
    error(pbs_sim.api("PUT", "/config/prune/p-1", json={"comment": "x", "digest": stale}), 400, message)
    error(pbs_sim.api("DELETE", "/config/prune/p-1", params={"digest": stale}), 400, message)
    error(pbs_sim.api("DELETE", "/config/prune/nope", params={"digest": stale}), 400, "no such prune 'nope'")
    error(pbs_sim.api("DELETE", "/config/verify/nope"), 400, "no such verification 'nope'")
    digest = file_digest(pbs_sim, "prune.cfg")
    data(pbs_sim.api("DELETE", "/config/prune/p-1", params={"digest": digest}))


# --- status and runs: src/api2/admin/*.rs, src/server/*_job.rs -----------------------------------------


def test_runs_answer_a_upid_of_the_job_kind_and_worker_id(pbs_sim):
    # do_prune_job: worker id `store` or `store:ns`; do_verification_job: `store:id`
    data(pbs_sim.api("POST", "/admin/datastore/store1/namespace", json={"name": "a"}))
    data(pbs_sim.api("POST", "/config/prune", json={**PRUNE, "ns": "a"}))
    data(pbs_sim.api("POST", "/config/prune", json={**PRUNE, "id": "p-root", "ns": ""}))
    data(pbs_sim.api("POST", "/config/verify", json={**VERIFY, "ns": "a"}))
    found = {}
    for kind, job_id in (("prune", "p-1"), ("prune", "p-root"), ("verify", "v-1")):
        upid, _ = run(pbs_sim, kind, job_id)
        parsed = Upid.parse(upid)
        found[job_id] = (parsed.worker_type, parsed.worker_id)
    assert found == {
        "p-1": ("prunejob", "store1:a"),
        "p-root": ("prunejob", "store1"),
        "v-1": ("verificationjob", "store1:v-1"),
    }
    status = data(pbs_sim.api("GET", "/admin/verify", params={"store": "store1"}))
    assert set(status[0]) == {"id", "store", "ns", "last-run-upid", "last-run-state", "last-run-endtime"}


def test_prune_run_log_as_prune_job_rs_writes_it(pbs_sim):
    pbs_sim.seed_content({"store1": [{"group": "vm/100", "ns": "a", "snapshots": 2}]})
    data(pbs_sim.api("POST", "/config/prune", json={**PRUNE, "ns": "a", "max-depth": 1, "keep-last": 1}))
    upid, status = run(pbs_sim, "prune", "p-1")
    assert status["exitstatus"] == "OK"
    assert pbs_sim.task_log(upid) == [
        "prune job 'p-1'",
        "Starting datastore prune on datastore 'store1', namespace 'a', to depth 1",
        "retention options: --ns a --max-depth 1 --keep-last 1",
        'Pruning group a:"vm/100"',
        "remove vm/100/2024-05-01T00:00:00Z",
        "keep vm/100/2024-05-02T00:00:00Z",
        "TASK OK",
    ]


def test_prune_run_prunes_only_groups_its_user_may_prune(pbs_sim):
    # ListAccessibleBackupGroups::new_with_privs(.., Some(MODIFY), Some(PRUNE), Some(&auth_id))
    pbs_sim.seed_content(
        {
            "store1": [
                {"group": "vm/1", "ns": "a", "owner": "ops@pbs!t", "snapshots": 3},
                {"group": "vm/2", "ns": "a", "owner": "root@pam", "snapshots": 3},
                {"group": "vm/3", "ns": "a/b", "owner": "ops@pbs!t", "snapshots": 3},
            ]
        }
    )
    data(pbs_sim.api("POST", "/config/prune", json={**PRUNE, "ns": "a", "keep-last": 1}))
    token, secret = ops_token(pbs_sim, "/datastore/store1/a", "DatastorePowerUser")
    grant(pbs_sim, "/datastore/store1/a", "ops@pbs", "DatastoreAdmin", propagate=False)
    grant(pbs_sim, "/datastore/store1/a", token, "DatastoreAdmin", propagate=False)
    upid = data(as_token(pbs_sim, token, secret, "POST", "/admin/prune/p-1/run"))
    pbs_sim.wait_task(upid)
    # Datastore.Modify on `a` itself: every group there; below it only Prune on owned groups
    assert pbs_sim.snapshot_names("store1", "a") == ["vm/1/2024-05-03T00:00:00Z", "vm/2/2024-05-03T00:00:00Z"]
    assert pbs_sim.snapshot_names("store1", "a/b") == ["vm/3/2024-05-03T00:00:00Z"]
    pbs_sim.seed_content({"store1": [{"group": "vm/4", "ns": "a/b", "owner": "root@pam", "snapshots": 2}]})
    upid = data(as_token(pbs_sim, token, secret, "POST", "/admin/prune/p-1/run"))
    pbs_sim.wait_task(upid)
    assert len(pbs_sim.snapshot_names("store1", "a/b")) == 3  # vm/4 is not theirs: untouched


@pytest.fixture
def utc_plus_2() -> Iterator[None]:
    """The simulator's process in a time zone two hours east of UTC (as PBS's host TZ)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "Etc/GMT-2")
        time.tzset()
        yield
    time.tzset()


def test_prune_run_uses_the_servers_local_time(utc_plus_2, pbs_sim):
    # compute_prune_info formats periods with strftime_local: 23:30Z and 00:30Z are one day at UTC+2
    times = ["2019-12-01T23:30:00Z", "2019-12-02T00:30:00Z", "2019-12-02T22:30:00Z"]
    pbs_sim.seed_content({"store1": [{"group": "vm/1", "snapshots": [{"time": t} for t in times]}]})
    data(pbs_sim.api("POST", "/config/prune", json={**PRUNE, "keep-daily": 5}))
    run(pbs_sim, "prune", "p-1")
    assert pbs_sim.snapshot_names("store1") == ["vm/1/2019-12-02T00:30:00Z", "vm/1/2019-12-02T22:30:00Z"]


def test_verify_run_log_as_verify_rs_writes_it(pbs_sim):
    pbs_sim.seed_content(
        {
            "store1": [
                {"group": "vm/200", "snapshots": 1},
                {"group": "host/benchmark", "snapshots": 1},
                {"group": "vm/100", "ns": "a", "snapshots": 2},
                {
                    "group": "ct/100",
                    "ns": "a",
                    "snapshots": [{"time": "2024-05-01T00:00:00Z", "verified": True}],
                },
            ]
        }
    )
    data(pbs_sim.api("POST", "/config/verify", json=VERIFY))
    upid, status = run(pbs_sim, "verify", "v-1")
    assert status["exitstatus"] == "OK"
    vm_200 = data(pbs_sim.api("GET", "/admin/datastore/store1/snapshots"))[-1]
    files = [f"  check {archive['filename']}" for archive in vm_200["files"][1:]]  # not index.json.blob
    assert pbs_sim.task_log(upid) == [
        "Starting datastore verify job 'store1:v-1'",
        "verify datastore store1",
        "found 3 groups",  # host/benchmark is left out
        "verify group store1:ct/100 (1 snapshots)",  # sorted by type and id across namespaces
        "SKIPPED: verify store1:ct/100/2024-05-01T00:00:00Z (recently verified)",
        "percentage done: 33.33% (1/3 groups)",
        "verify group store1:vm/100 (2 snapshots)",
        "verify store1:vm/100/2024-05-02T00:00:00Z",  # newest first, no namespace in the name
        *files,
        "percentage done: 50.00% (1/3 groups, 1/2 snapshots in group #2)",
        "verify store1:vm/100/2024-05-01T00:00:00Z",
        *files,
        "percentage done: 66.67% (2/3 groups)",
        "verify group store1:vm/200 (1 snapshots)",
        "verify store1:vm/200/2024-05-01T00:00:00Z",
        *files,
        "percentage done: 100.00% (3/3 groups)",
        "TASK OK",
    ]
    listed = data(pbs_sim.api("GET", "/admin/datastore/store1/snapshots", params={"ns": "a"}))
    assert {s["backup-type"]: s["verification"]["state"] for s in listed} == {"vm": "ok", "ct": "ok"}
    assert [s["verification"]["upid"] for s in listed if s["backup-type"] == "vm"] == [upid, upid]
