"""The side channel: fault injection, request log, clock, digest race, access to it."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.sim.support import as_token, data, error, make_job, make_remote, make_token, make_user


def test_status_fault_for_the_next_n_matching_requests(pbs_sim):
    make_remote(pbs_sim)
    pbs_sim.inject_fault(method="PUT", path="/api2/json/config/remote/*", count=2, status=503, body="busy")
    for _ in range(2):
        error(pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "x"}), 503, "busy")
    data(pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "x"}))
    # other methods were never affected
    assert data(pbs_sim.api("GET", "/config/remote/cloud"))["comment"] == "x"


def test_fault_not_handled_means_no_change(pbs_sim):
    make_remote(pbs_sim)
    pbs_sim.inject_fault(method="PUT", path="/api2/json/config/remote/cloud", status=500, body="boom")
    error(pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "x"}), 500, "boom")
    assert "comment" not in data(pbs_sim.api("GET", "/config/remote/cloud"))


def test_drop_before_and_after(pbs_sim):
    make_remote(pbs_sim)
    pbs_sim.inject_fault(method="PUT", path="/api2/json/config/remote/cloud", drop="before")
    with pytest.raises(requests.ConnectionError):
        pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "before"})
    assert "comment" not in data(pbs_sim.api("GET", "/config/remote/cloud"))
    pbs_sim.inject_fault(method="PUT", path="/api2/json/config/remote/cloud", drop="after")
    with pytest.raises(requests.ConnectionError):
        pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "after"})
    # the ambiguous case: the change was applied although the client saw no answer
    assert data(pbs_sim.api("GET", "/config/remote/cloud"))["comment"] == "after"


def test_delay_past_a_read_timeout(pbs_sim):
    pbs_sim.inject_fault(method="GET", path="/api2/json/version", delay=0.5)
    with pytest.raises(requests.ReadTimeout):
        pbs_sim.api("GET", "/version", timeout=0.1)
    assert data(pbs_sim.api("GET", "/version"))["version"] == "4.2"


def test_request_log_records_calls_without_secrets(pbs_sim):
    pbs_sim.clear_request_log()
    make_remote(pbs_sim, password="very-secret-remote-pw")
    pbs_sim.api("GET", "/config/remote", params={"password": "leak-me"})
    pbs_sim.api("GET", "/config/remote/nope")
    log = pbs_sim.request_log()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/api2/json/config/remote", 200),
        ("GET", "/api2/json/config/remote", 400),
        ("GET", "/api2/json/config/remote/nope", 400),
    ]
    assert all(e["auth_id"] == "root@pam!admin" for e in log)
    assert log[1]["query"] == "password=%2A%2A%2A"
    text = repr(log)
    assert "very-secret-remote-pw" not in text and "leak-me" not in text
    assert pbs_sim.admin_token_secret not in text


def test_request_log_excludes_the_side_channel(pbs_sim):
    pbs_sim.clear_request_log()
    pbs_sim.now()
    pbs_sim.inject_fault(path="/nothing")
    assert pbs_sim.request_log() == []


def test_digest_race_hits_exactly_the_next_digest_checked_write(pbs_sim):
    make_job(pbs_sim, "job1")
    digest = pbs_sim.api("GET", "/config/sync/job1").json()["digest"]
    pbs_sim.force_digest_race("sync.cfg")
    # a write without digest is not affected
    data(pbs_sim.api("PUT", "/config/sync/job1", json={"comment": "no digest"}))
    digest = pbs_sim.api("GET", "/config/sync/job1").json()["digest"]
    error(
        pbs_sim.api("PUT", "/config/sync/job1", json={"comment": "a", "digest": digest}),
        400,
        "detected modified configuration - file changed by other user? Try again.",
    )
    digest = pbs_sim.api("GET", "/config/sync/job1").json()["digest"]
    data(pbs_sim.api("PUT", "/config/sync/job1", json={"comment": "b", "digest": digest}))


def test_two_concurrent_writers_with_the_same_digest(pbs_sim):
    make_job(pbs_sim, "job1")
    make_job(pbs_sim, "job2")
    digest = pbs_sim.api("GET", "/config/sync").json()["digest"]
    barrier = threading.Barrier(2)
    results: dict[str, requests.Response] = {}

    def writer(job_id: str) -> None:
        with pbs_sim.new_session() as session:
            barrier.wait()
            results[job_id] = session.put(
                f"{pbs_sim.url}/api2/json/config/sync/{job_id}", json={"comment": job_id, "digest": digest}
            )

    threads = [threading.Thread(target=writer, args=(job,)) for job in ("job1", "job2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 400]  # serialised by the file lock: exactly one wins
    loser = next(r for r in results.values() if r.status_code == 400)
    assert loser.text == "detected modified configuration - file changed by other user? Try again."
    comments = {j["id"]: j.get("comment") for j in data(pbs_sim.api("GET", "/config/sync"))}
    winner = next(job for job, r in results.items() if r.status_code == 200)
    assert comments[winner] == winner and sum(c is not None for c in comments.values()) == 1


def test_many_concurrent_writers_without_digest_lose_nothing(pbs_sim):
    def writer(index: int) -> None:
        with pbs_sim.new_session() as session:
            for round_ in range(3):
                body = {
                    "id": f"job{index}x{round_}",
                    "store": "store1",
                    "remote": "cloud",
                    "remote-store": "offsite",
                }
                assert session.post(f"{pbs_sim.url}/api2/json/config/sync", json=body).status_code == 200

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(data(pbs_sim.api("GET", "/config/sync"))) == 18


def test_clock_control(pbs_sim):
    start = pbs_sim.now()
    assert pbs_sim.advance_clock(3600) >= start + 3600
    assert time.time() + 3500 < pbs_sim.now()


def test_side_channel_is_root_only(pbs_sim):
    make_user(pbs_sim, "lee@pbs")
    secret = make_token(pbs_sim, "lee@pbs", "t")
    for who in ("lee@pbs", "lee@pbs!t"):
        data(pbs_sim.api("PUT", "/access/acl", json={"path": "/", "role": "Admin", "auth-id": who}))
    error(as_token(pbs_sim, "lee@pbs!t", secret, "GET", "/_sim/requests"), 403, "permission check failed")
    with pbs_sim.new_session(auth=None) as session:
        error(session.get(f"{pbs_sim.url}/api2/json/_sim/requests"), 401, "authentication failed")
    root_token = make_token(pbs_sim, "root@pam", "other")
    assert as_token(pbs_sim, "root@pam!other", root_token, "GET", "/_sim/clock").status_code == 200


def test_unknown_digest_race_file(pbs_sim):
    with pytest.raises(RuntimeError, match=r"unknown config file 'nope\.cfg'"):
        pbs_sim.force_digest_race("nope.cfg")
