"""/config/prune, /config/verify, /admin/prune and /admin/verify against PBS 4.2's rules
(proxmox-backup `src/api2/config/prune.rs`, `verify.rs`, `src/api2/admin/prune.rs`, `verify.rs`,
`src/server/prune_job.rs`, `src/backup/verify.rs`): fields and bounds, update and delete rules, access,
status listing, and runs that really prune and really mark snapshots verified."""

from __future__ import annotations

import pytest

from pbs_sim.testing import start_simulator
from tests.pbs_types.test_prune import SIMPLE2 as SIMPLE2_SNAPSHOTS
from tests.pbs_types.test_prune import text
from tests.sim.support import as_token, data, error, file_digest, grant, make_token, make_user

SIMPLE2 = [text(s.backup_time) for s in SIMPLE2_SNAPSHOTS]  # proxmox-backup tests/prune.rs


def make_prune(sim, job_id="p-1", **fields):
    return sim.api(
        "POST", "/config/prune", json={"id": job_id, "store": "store1", "schedule": "daily", **fields}
    )


def run(sim, kind, job_id):
    upid = data(sim.api("POST", f"/admin/{kind}/{job_id}/run"))
    return upid, sim.wait_task(upid)


def test_prune_job_create_read_list_and_digest(pbs_sim):
    data(make_prune(pbs_sim, **{"keep-daily": 7, "keep-weekly": 4, "ns": "", "comment": "retention"}))
    answer = pbs_sim.api("GET", "/config/prune/p-1").json()
    assert answer["digest"] == file_digest(pbs_sim, "prune.cfg")
    assert answer["data"] == {
        "id": "p-1",
        "store": "store1",
        "schedule": "daily",
        "keep-daily": 7,
        "keep-weekly": 4,
        "ns": "",
        "comment": "retention",
    }
    assert [job["id"] for job in data(pbs_sim.api("GET", "/config/prune"))] == ["p-1"]
    error(make_prune(pbs_sim), 400, "parameter verification failed - 'id': job 'p-1' already exists.")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule": None}, "parameter verification failed - 'schedule': parameter is missing.\n"),
        (
            {"keep-last": 0},
            "parameter verification failed - 'keep-last': value must have a minimum value of 1\n",
        ),
        (
            {"max-depth": 8},
            "parameter verification failed - 'max-depth': value must have a maximum value of 7\n",
        ),
    ],
)
def test_prune_job_bounds(pbs_sim, fields, message):
    body = {"id": "p-1", "store": "store1", "schedule": "daily", **fields}
    body = {k: v for k, v in body.items() if v is not None}
    response = pbs_sim.api("POST", "/config/prune", json=body)
    assert response.status_code == 400
    assert response.text.startswith(message.split(" - ")[0])
    assert message.split(" - ")[1].split(":")[0] in response.text


def test_prune_job_update_delete_and_root_namespace(pbs_sim):
    data(make_prune(pbs_sim, ns="a", **{"keep-daily": 7}))
    data(pbs_sim.api("POST", "/admin/datastore/store1/namespace", json={"name": "a"}))
    data(pbs_sim.api("PUT", "/config/prune/p-1", json={"keep-last": 2, "delete": ["keep-daily"], "ns": ""}))
    job = data(pbs_sim.api("GET", "/config/prune/p-1"))
    assert job == {"id": "p-1", "store": "store1", "schedule": "daily", "keep-last": 2}  # a root ns clears it
    response = pbs_sim.api("PUT", "/config/prune/p-1", json={"comment": "x", "digest": "0" * 64})
    assert response.status_code == 400 and "detected modified configuration" in response.text
    data(pbs_sim.api("DELETE", "/config/prune/p-1"))
    error(pbs_sim.api("DELETE", "/config/prune/p-1"), 400, "no such prune 'p-1'")


def test_verify_job_defaults_update_rules_and_delete(pbs_sim):
    data(pbs_sim.api("POST", "/config/verify", json={"id": "v-1", "store": "store1", "comment": " weekly "}))
    data(pbs_sim.api("PUT", "/config/verify/v-1", json={"comment": "  ", "ns": "", "outdated-after": 30}))
    # a blank comment clears it; a root ns in an update is ignored (verify.rs)
    assert data(pbs_sim.api("GET", "/config/verify/v-1")) == {
        "id": "v-1",
        "store": "store1",
        "outdated-after": 30,
    }
    data(pbs_sim.api("DELETE", "/config/verify/v-1"))
    error(pbs_sim.api("GET", "/config/verify/v-1"), 400, "no such verification 'v-1'")


def test_access_follows_the_job_acl_path(pbs_sim):
    data(make_prune(pbs_sim, **{"keep-last": 1}))
    data(pbs_sim.api("POST", "/config/verify", json={"id": "v-1", "store": "store1"}))
    make_user(pbs_sim, "ops@pbs")
    secret = make_token(pbs_sim, "ops@pbs", "t")
    token = "ops@pbs!t"
    assert data(as_token(pbs_sim, token, secret, "GET", "/config/prune")) == []  # no privilege: not listed
    for auth in ("ops@pbs", token):
        grant(pbs_sim, "/datastore/store1", auth, "DatastoreAudit")
    assert [j["id"] for j in data(as_token(pbs_sim, token, secret, "GET", "/config/prune"))] == ["p-1"]
    denied = as_token(pbs_sim, token, secret, "PUT", "/config/prune/p-1", json={"keep-last": 3})
    error(denied, 400, "missing permissions 'Datastore.Modify' on '/datastore/store1'")
    denied = as_token(pbs_sim, token, secret, "POST", "/admin/verify/v-1/run")
    error(denied, 400, "missing permissions 'Datastore.Verify' on '/datastore/store1'")


def test_status_listing_has_next_run_and_a_disabled_job_has_none(pbs_sim):
    data(make_prune(pbs_sim, "job-on", **{"keep-last": 1}))
    data(make_prune(pbs_sim, "job-off", disable=True, **{"keep-last": 1}))
    status = {job["id"]: job for job in data(pbs_sim.api("GET", "/admin/prune", params={"store": "store1"}))}
    assert status["job-on"]["next-run"] > pbs_sim.now()
    assert "next-run" not in status["job-off"]
    assert data(pbs_sim.api("GET", "/admin/prune", params={"store": "other"})) == []


def test_prune_run_keeps_exactly_what_pbs_keeps(pbs_sim):
    seed = {"store1": [{"group": "vm/100", "snapshots": [{"time": t} for t in SIMPLE2]}]}
    seed["store1"].append(
        {"group": "vm/101", "snapshots": [{"time": SIMPLE2[0], "protected": True}, {"time": SIMPLE2[1]}]}
    )
    pbs_sim.seed_content(seed)
    data(make_prune(pbs_sim, **{"keep-daily": 1, "keep-weekly": 1, "keep-monthly": 1}))
    upid, status = run(pbs_sim, "prune", "p-1")
    assert status["exitstatus"] == "OK"
    assert pbs_sim.snapshot_names("store1") == [
        "vm/100/2019-11-22T11:59:15Z",
        "vm/100/2019-12-01T11:59:15Z",
        "vm/100/2019-12-04T11:59:15Z",
        "vm/101/2018-11-15T11:59:15Z",  # protected: kept although older than the kept one
        "vm/101/2019-11-15T11:59:15Z",
    ]
    log = pbs_sim.task_log(upid)
    assert "retention options: --keep-daily 1 --keep-weekly 1 --keep-monthly 1" in log
    assert "keep protected vm/101/2018-11-15T11:59:15Z" in log
    assert "remove vm/100/2018-11-15T11:59:15Z" in log
    job = {j["id"]: j for j in data(pbs_sim.api("GET", "/admin/prune"))}["p-1"]
    assert job["last-run-upid"] == upid and job["last-run-state"] == "OK"


def test_prune_run_without_keep_options_keeps_everything(pbs_sim):
    pbs_sim.seed_content({"store1": [{"group": "vm/100", "snapshots": 3}]})
    data(make_prune(pbs_sim))
    upid, status = run(pbs_sim, "prune", "p-1")
    assert len(pbs_sim.snapshot_names("store1")) == 3
    # a warning (`warn!` in prune_job.rs): the line as it is, and the task ends with one warning
    assert "No prune selection - keeping all files." in pbs_sim.task_log(upid)
    assert status["exitstatus"] == "WARNINGS: 1"
    job = {j["id"]: j for j in data(pbs_sim.api("GET", "/admin/prune"))}["p-1"]
    assert job["last-run-state"] == "WARNINGS: 1"


def test_prune_run_stays_in_its_namespace_and_depth(pbs_sim):
    pbs_sim.seed_content(
        {
            "store1": [
                {"group": "vm/1", "snapshots": 3},
                {"group": "vm/2", "ns": "a", "snapshots": 3},
                {"group": "vm/3", "ns": "a/b", "snapshots": 3},
            ]
        }
    )
    data(make_prune(pbs_sim, ns="a", **{"max-depth": 0, "keep-last": 1}))
    run(pbs_sim, "prune", "p-1")
    assert len(pbs_sim.snapshot_names("store1")) == 3
    assert len(pbs_sim.snapshot_names("store1", "a")) == 1
    assert len(pbs_sim.snapshot_names("store1", "a/b")) == 3


def verification(sim, ns=""):
    params = {"ns": ns} if ns else None
    return [
        s.get("verification")
        for s in data(sim.api("GET", "/admin/datastore/store1/snapshots", params=params))
    ]


def test_verify_run_marks_snapshots_and_skips_verified_ones_until_outdated(pbs_sim):
    pbs_sim.seed_content({"store1": [{"group": "vm/100", "snapshots": 2}]})
    data(pbs_sim.api("POST", "/config/verify", json={"id": "v-1", "store": "store1", "outdated-after": 1}))
    upid, status = run(pbs_sim, "verify", "v-1")
    assert status["exitstatus"] == "OK"
    assert verification(pbs_sim) == [{"state": "ok", "upid": upid}] * 2
    second, _ = run(pbs_sim, "verify", "v-1")
    assert sum(line.startswith("SKIPPED: verify store1:vm/100/") for line in pbs_sim.task_log(second)) == 2
    assert verification(pbs_sim) == [{"state": "ok", "upid": upid}] * 2
    pbs_sim.advance_clock(2 * 86400 + 1)  # older than outdated-after (1 day): verified again
    third, _ = run(pbs_sim, "verify", "v-1")
    assert verification(pbs_sim) == [{"state": "ok", "upid": third}] * 2


def test_verify_without_ignore_verified_verifies_every_time(pbs_sim):
    pbs_sim.seed_content(
        {"store1": [{"group": "vm/100", "snapshots": [{"time": SIMPLE2[0], "verified": True}]}]}
    )
    data(
        pbs_sim.api("POST", "/config/verify", json={"id": "v-1", "store": "store1", "ignore-verified": False})
    )
    upid, _ = run(pbs_sim, "verify", "v-1")
    assert verification(pbs_sim) == [{"state": "ok", "upid": upid}]


def test_prune_jobs_need_pbs_2_2_2_and_verify_threads_4_0_20(tmp_path):
    with start_simulator(tmp_path / "old", pbs_version="2.2.1") as old:
        assert make_prune(old).status_code == 404
        response = old.api("POST", "/config/verify", json={"id": "v-1", "store": "store1", "read-threads": 2})
        assert response.status_code == 400 and "read-threads" in response.text
    with start_simulator(tmp_path / "new", pbs_version="2.2.2") as new:
        data(make_prune(new))


def test_datastore_removal_drops_its_prune_and_verify_jobs(pbs_sim):
    data(make_prune(pbs_sim))
    data(pbs_sim.api("POST", "/config/verify", json={"id": "v-1", "store": "store1"}))
    data(pbs_sim.api("DELETE", "/config/datastore/store1"))
    assert data(pbs_sim.api("GET", "/config/prune")) == []
    assert data(pbs_sim.api("GET", "/config/verify")) == []
