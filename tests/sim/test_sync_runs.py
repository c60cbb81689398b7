"""Runs, tasks and job status: UPIDs, task status/log, last-run/next-run, job lock."""

from __future__ import annotations

import datetime
import re
import threading
import time
from urllib.parse import quote

import pytest

from pbs_sim.testing import start_simulator
from tests.sim.support import (
    as_token,
    data,
    error,
    grant,
    make_job,
    make_token,
    make_user,
    task_path,
    wait_task,
)

UPID_RE = re.compile(
    r"^UPID:(?P<node>[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):(?P<pid>[0-9A-Fa-f]{8}):"
    r"(?P<pstart>[0-9A-Fa-f]{8,9}):(?P<task_id>[0-9A-Fa-f]{8,16}):(?P<starttime>[0-9A-Fa-f]{8}):"
    r"(?P<wtype>[^:\s]+):(?P<wid>[^:\s]*):(?P<authid>[^:\s]+):$"
)


def test_run_returns_upid_in_pbs_format(pbs_sim):
    make_job(pbs_sim, "push-cloud", ns="tenant/a", **{"sync-direction": "push"})
    upid = data(pbs_sim.api("POST", "/admin/sync/push-cloud/run"))
    match = UPID_RE.match(upid)
    assert match, upid
    assert match["node"] == "pbs1"
    assert match["wtype"] == "syncjob"
    # worker id "cloud:offsite:store1:tenant/a:push-cloud", systemd-escaped
    assert match["wid"] == "cloud\\x3aoffsite\\x3astore1\\x3atenant-a\\x3apush\\x2dcloud"
    assert match["authid"] == "root@pam!admin"
    assert upid.split(":")[2:6] == [p.upper() for p in upid.split(":")[2:6]]  # hex is upper-case


def test_task_status_and_log(pbs_sim):
    make_job(pbs_sim, "job1")
    upid = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    status = wait_task(pbs_sim, upid)
    assert status["upid"] == upid
    assert status["type"] == "syncjob"
    assert status["id"] == "cloud:offsite:store1::job1"
    assert status["user"] == "root@pam" and status["tokenid"] == "admin"
    assert status["exitstatus"] == "OK"
    assert status["starttime"] <= status["endtime"]
    log = pbs_sim.api("GET", f"{task_path(upid)}/log", params={"limit": 0}).json()
    assert log["success"] == 1
    lines = [entry["t"] for entry in log["data"]]
    assert [entry["n"] for entry in log["data"]] == list(range(1, len(lines) + 1))
    assert log["total"] == len(lines)
    assert lines[0].endswith("Starting datastore sync job 'cloud:offsite:store1::job1'")
    assert any(line.endswith("sync datastore 'store1' from 'cloud/offsite'") for line in lines)
    assert any(line.endswith("Summary: sync job found no new data to pull") for line in lines)
    assert lines[-1].endswith("TASK OK")
    limited = pbs_sim.api(
        "GET", f"{task_path(upid)}/log", params={"start": 2, "limit": 1, "test-status": 1}
    ).json()
    assert [entry["n"] for entry in limited["data"]] == [2]
    assert limited["active"] is False


def test_push_run_log_says_to(pbs_sim):
    make_job(pbs_sim, "push1", **{"sync-direction": "push"})
    upid = data(pbs_sim.api("POST", "/admin/sync/push1/run"))
    wait_task(pbs_sim, upid)
    lines = [e["t"] for e in pbs_sim.api("GET", f"{task_path(upid)}/log").json()["data"]]
    assert any(line.endswith("sync datastore 'store1' to 'cloud/offsite'") for line in lines)
    assert any(line.endswith("Summary: sync job found no new data to push") for line in lines)


def test_admin_sync_status_before_and_after_run(pbs_sim):
    make_job(pbs_sim, "job1")
    [before] = data(pbs_sim.api("GET", "/admin/sync"))
    assert "last-run-upid" not in before and "next-run" not in before  # no schedule, never run
    upid = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    wait_task(pbs_sim, upid)
    answer = pbs_sim.api("GET", "/admin/sync").json()
    [after] = answer["data"]
    assert after["last-run-upid"] == upid
    assert after["last-run-state"] == "OK"
    assert after["last-run-endtime"] >= int(UPID_RE.match(upid)["starttime"], 16)
    assert set(answer) == {"data", "digest"}


def _next_local_midnight(after: int) -> int:
    moment = datetime.datetime.fromtimestamp(after).astimezone()
    tomorrow = (moment + datetime.timedelta(days=1)).date()
    return int(datetime.datetime.combine(tomorrow, datetime.time()).astimezone().timestamp())


def test_next_run_from_schedule(pbs_sim):
    created = pbs_sim.now()
    make_job(pbs_sim, "job1", schedule="daily")
    [status] = data(pbs_sim.api("GET", "/admin/sync"))
    assert status["next-run"] in {_next_local_midnight(created), _next_local_midnight(created + 1)}


def test_next_run_hourly_after_clock_moves(pbs_sim):
    make_job(pbs_sim, "job1", schedule="hourly")
    # a schedule change resets the baseline to "now"
    pbs_sim.advance_clock(3 * 3600)
    now = pbs_sim.now()
    data(pbs_sim.api("PUT", "/config/sync/job1", json={"schedule": "*:00"}))
    [status] = data(pbs_sim.api("GET", "/admin/sync"))
    assert 0 < status["next-run"] - now <= 3600
    assert status["next-run"] % 60 == 0


def test_admin_sync_filters(pbs_sim):
    make_job(pbs_sim, "pull1")
    make_job(pbs_sim, "push1", **{"sync-direction": "push"})
    make_job(pbs_sim, "other", store="store2")
    ids = lambda **p: sorted(j["id"] for j in data(pbs_sim.api("GET", "/admin/sync", params=p)))  # noqa: E731
    assert ids() == ["other", "pull1"]
    assert ids(**{"sync-direction": "all"}) == ["other", "pull1", "push1"]
    assert ids(store="store1", **{"sync-direction": "all"}) == ["pull1", "push1"]
    assert data(pbs_sim.api("GET", "/admin/sync/pull1")) == [{"subdir": "run"}]


def test_run_unknown_job(pbs_sim):
    error(pbs_sim.api("POST", "/admin/sync/nope/run"), 400, "no such sync 'nope'")


def test_run_permission_error_text(pbs_sim):
    make_job(pbs_sim, "job1")
    make_user(pbs_sim, "frank@pbs")
    secret = make_token(pbs_sim, "frank@pbs", "t")
    error(
        as_token(pbs_sim, "frank@pbs!t", secret, "POST", "/admin/sync/job1/run"),
        400,
        "permission check failed, 'frank@pbs!t' is missing access",
    )


def test_task_access_for_other_users(pbs_sim):
    make_job(pbs_sim, "job1")
    upid = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    wait_task(pbs_sim, upid)
    make_user(pbs_sim, "gina@pbs")
    secret = make_token(pbs_sim, "gina@pbs", "t")
    error(
        as_token(pbs_sim, "gina@pbs!t", secret, "GET", f"{task_path(upid)}/status"),
        400,
        "task access not allowed",
    )
    for who in ("gina@pbs", "gina@pbs!t"):
        grant(pbs_sim, "/system/tasks", who, "Audit")
    assert (
        data(as_token(pbs_sim, "gina@pbs!t", secret, "GET", f"{task_path(upid)}/status"))["status"]
        == "stopped"
    )


def test_unknown_and_malformed_upids(pbs_sim):
    error(pbs_sim.api("GET", f"{task_path('not-a-upid')}/status"), 400, "unable to parse UPID 'not-a-upid'")
    ghost = "UPID:pbs1:00000001:00000001:00000001:00000001:syncjob:x:root@pam!admin:"
    status = data(pbs_sim.api("GET", f"{task_path(ghost)}/status"))
    assert status["status"] == "stopped" and status["exitstatus"] == "unknown" and "endtime" not in status
    error(pbs_sim.api("GET", f"{task_path(ghost)}/log"), 400, "No such file or directory (os error 2)")


def test_job_lock_busy(tmp_path):
    with start_simulator(tmp_path / "p", node="pbs1", job_lock_timeout=0.3) as sim:
        make_job(sim, "job1")
        with sim.job_lock_held("job1"):
            started = time.monotonic()
            response = sim.api("POST", "/admin/sync/job1/run")
            waited = time.monotonic() - started
            error(
                response,
                400,
                'Unable to acquire lock "/var/lib/proxmox-backup/jobstates/syncjob-job1.lck" - '
                "Interrupted system call (os error 4)",
            )
            assert waited >= 0.3  # it blocked for the lock timeout first
        upid = data(sim.api("POST", "/admin/sync/job1/run"))
        assert wait_task(sim, upid)["exitstatus"] == "OK"


def test_concurrent_runs_of_one_job_serialise_on_the_lock(tmp_path):
    with start_simulator(tmp_path / "p", node="pbs1", job_lock_timeout=5) as sim:
        make_job(sim, "job1")
        upids: list[str] = []
        lock = threading.Lock()

        def run() -> None:
            upid = data(sim.api("POST", "/admin/sync/job1/run"))
            with lock:
                upids.append(upid)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(set(upids)) == 4
        for upid in upids:
            assert wait_task(sim, upid)["exitstatus"] == "OK"


@pytest.mark.parametrize("limit", [0, 3])
def test_log_limit(pbs_sim, limit):
    make_job(pbs_sim, "job1")
    upid = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    wait_task(pbs_sim, upid)
    log = pbs_sim.api("GET", f"{task_path(upid)}/log", params={"limit": limit}).json()
    assert len(log["data"]) == (log["total"] if limit == 0 else 3)


def test_upid_must_be_percent_encoded_in_path(pbs_sim):
    make_job(pbs_sim, "job1")
    upid = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    wait_task(pbs_sim, upid)
    encoded = quote(upid, safe="")
    assert "%3A" in encoded and "%5C" in encoded
    assert data(pbs_sim.api("GET", f"/nodes/pbs1/tasks/{encoded}/status"))["upid"] == upid


def test_task_list(pbs_sim):
    wait_task(
        pbs_sim, data(pbs_sim.api("POST", "/config/datastore", json={"name": "store2", "path": "/b/s2"}))
    )
    make_job(pbs_sim, "job1")
    make_job(pbs_sim, "job2", store="store2")
    first = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    wait_task(pbs_sim, first)
    second = data(pbs_sim.api("POST", "/admin/sync/job2/run"))
    wait_task(pbs_sim, second)
    answer = pbs_sim.api("GET", "/nodes/localhost/tasks").json()
    assert [t["upid"] for t in answer["data"]][:2] == [second, first]  # newest first
    assert answer["total"] == 3  # and the create-datastore task
    item = answer["data"][1]
    assert item["node"] == "localhost" and item["worker_type"] == "syncjob"
    assert item["worker_id"] == "cloud:offsite:store1::job1" and item["user"] == "root@pam!admin"
    assert item["status"] == "OK" and item["endtime"] >= item["starttime"]
    by_store = data(pbs_sim.api("GET", "/nodes/localhost/tasks", params={"store": "store2"}))
    assert [t["upid"] for t in by_store] == [second]
    paged = pbs_sim.api("GET", "/nodes/localhost/tasks", params={"limit": 1}).json()
    assert [t["upid"] for t in paged["data"]] == [second] and paged["total"] == 2  # PBS: shown + 1
    assert data(pbs_sim.api("GET", "/nodes/localhost/tasks", params={"errors": 1})) == []


def test_run_fails_in_the_task_when_the_datastore_is_missing(pbs_sim):
    make_job(pbs_sim, "job1", store="nostore")
    upid = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    assert wait_task(pbs_sim, upid)["exitstatus"] == "no such datastore 'nostore'"
    lines = [e["t"] for e in pbs_sim.api("GET", f"{task_path(upid)}/log").json()["data"]]
    assert lines[-1].endswith("TASK ERROR: no such datastore 'nostore'")
    [status] = data(pbs_sim.api("GET", "/admin/sync"))
    assert status["last-run-state"] == "no such datastore 'nostore'"
