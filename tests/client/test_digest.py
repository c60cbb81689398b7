"""Digest-safe read-modify-write: fresh digest, bounded retry, concurrent changes re-read."""

from __future__ import annotations

import pytest

from pbs_provider.client import DigestConflict, PbsClient, api_path

from .conftest import requests_to, token_config

JOB = {"id": "job1", "store": "store1", "remote-store": "store1", "remote": "cloud", "comment": "v1"}


@pytest.fixture
def client(pbs_sim):
    pbs = PbsClient(token_config(pbs_sim), "pbs1")
    pbs.create("/config/sync", JOB)
    pbs_sim.clear_request_log()
    return pbs


def test_modify_reads_then_writes_with_the_fresh_digest(pbs_sim, client):
    seen = []

    def change(current):
        seen.append(current.digest)
        return {"comment": "v2"}

    client.modify(api_path("config", "sync", "job1"), change)
    assert len(seen) == 1 and len(seen[0]) == 64
    log = [(e["method"], e["status"]) for e in pbs_sim.request_log()]
    assert log == [("GET", 200), ("PUT", 200)]
    assert client.get(api_path("config", "sync", "job1")).data["comment"] == "v2"


def test_digest_race_is_retried_with_a_re_read(pbs_sim, client):
    pbs_sim.force_digest_race("sync.cfg")
    calls = []
    client.modify(api_path("config", "sync", "job1"), lambda cur: calls.append(cur) or {"comment": "v2"})
    assert len(calls) == 2
    log = [(e["method"], e["status"]) for e in pbs_sim.request_log()]
    assert log == [("GET", 200), ("PUT", 400), ("GET", 200), ("PUT", 200)]
    assert client.get(api_path("config", "sync", "job1")).data["comment"] == "v2"


def test_concurrent_change_to_the_same_object_is_seen_not_overwritten(pbs_sim, client):
    """Another writer changes the job between our read and our write: we must see its change."""
    seen_comments = []

    def change(current):
        seen_comments.append(current.data.get("comment"))
        if len(seen_comments) == 1:  # the concurrent writer strikes after our first read
            pbs_sim.api("PUT", "/config/sync/job1", json={"comment": "theirs", "schedule": "daily"})
        # Our change only touches the schedule when the comment is what we expect.
        return {"schedule": "hourly"} if current.data.get("comment") == "v1" else {"comment": "merged"}

    client.modify(api_path("config", "sync", "job1"), change)
    assert seen_comments == ["v1", "theirs"]
    job = client.get(api_path("config", "sync", "job1")).data
    assert job["schedule"] == "daily"  # their schedule survived: our stale write was refused
    assert job["comment"] == "merged"


def test_nothing_to_change_writes_nothing(pbs_sim, client):
    assert client.modify(api_path("config", "sync", "job1"), lambda current: None) is None
    assert requests_to(pbs_sim, "PUT", "/config/sync") == []


def test_persistent_conflict_ends_in_digest_conflict_with_hint(pbs_sim, client):
    def change(current):
        pbs_sim.force_digest_race("sync.cfg")
        return {"comment": "never"}

    with pytest.raises(DigestConflict) as failure:
        client.modify(api_path("config", "sync", "job1"), change, attempts=3)
    assert "3 attempts" in (failure.value.hint or "")
    assert len(requests_to(pbs_sim, "PUT", "/config/sync/job1")) == 3


def test_modify_can_delete_with_a_fresh_digest(pbs_sim, client):
    client.modify(api_path("config", "sync", "job1"), lambda current: {}, method="DELETE")
    assert not client.exists(api_path("config", "sync", "job1"))
    deletes = requests_to(pbs_sim, "DELETE", "/config/sync/job1")
    assert len(deletes) == 1 and "digest=" in deletes[0]["query"]
    # Already gone: nothing to do, no error.
    assert client.modify(api_path("config", "sync", "job1"), lambda current: {}, method="DELETE") is None
