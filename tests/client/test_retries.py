"""Retries under injected faults: only where safe, bounded, and POSTs never applied twice."""

from __future__ import annotations

import time

import pytest

from pbs_provider.client import ConnectionFailed, NotFound, PbsClient, ServerError, api_path

from .conftest import requests_to, token_config

REMOTES = "/api2/json/config/remote"


def client_for_sim(sim, **overrides):
    return PbsClient(token_config(sim, **overrides), "pbs1")


def test_get_is_retried_through_503s(pbs_sim):
    pbs_sim.inject_fault(method="GET", path=REMOTES, count=2, status=503, body="Service Unavailable")
    assert client_for_sim(pbs_sim).get("/config/remote").data == []
    assert [e["status"] for e in requests_to(pbs_sim, "GET", "/config/remote")][-1] == 200
    assert len(requests_to(pbs_sim, "GET", "/config/remote")) == 3


def test_retries_are_bounded_and_end_in_server_error_with_hint(pbs_sim):
    pbs_sim.inject_fault(method="GET", path=REMOTES, count=10, status=502, body="Bad Gateway")
    with pytest.raises(ServerError) as failure:
        client_for_sim(pbs_sim).get("/config/remote")
    assert failure.value.status == 502
    assert "journalctl" in (failure.value.hint or "")
    assert len(requests_to(pbs_sim, "GET", "/config/remote")) == 4  # attempts=4


def test_500_is_not_retried(pbs_sim):
    pbs_sim.inject_fault(method="GET", path=REMOTES, count=1, status=500, body="internal error")
    with pytest.raises(ServerError):
        client_for_sim(pbs_sim).get("/config/remote")
    assert len(requests_to(pbs_sim, "GET", "/config/remote")) == 1


@pytest.mark.parametrize(("drop", "first_status"), [("before", None), ("after", 200)])
def test_put_is_retried_after_a_dropped_connection(pbs_sim, remote_body, drop, first_status):
    client = client_for_sim(pbs_sim)
    client.create("/config/remote", remote_body("cloud"))
    pbs_sim.inject_fault(method="PUT", path=f"{REMOTES}/cloud", count=1, drop=drop)
    client.update(api_path("config", "remote", "cloud"), {"comment": "after retry"})
    assert client.get(api_path("config", "remote", "cloud")).data["comment"] == "after retry"
    puts = requests_to(pbs_sim, "PUT", "/config/remote/cloud")
    assert [(e["status"], e["dropped"]) for e in puts] == [(first_status, True), (200, False)]


def test_get_is_retried_after_a_read_timeout(pbs_sim):
    pbs_sim.inject_fault(method="GET", path=REMOTES, count=1, delay=2.0)
    client = client_for_sim(pbs_sim, read_timeout=0.25)
    started = time.monotonic()
    assert client.get("/config/remote").data == []
    # The answer came from the retry: waiting for the delayed one would have taken 2 s.
    assert time.monotonic() - started < 1.5


def test_read_timeouts_that_persist_raise_with_hint(pbs_sim):
    pbs_sim.inject_fault(method="GET", path=REMOTES, count=10, delay=1.0)
    client = client_for_sim(pbs_sim, read_timeout=0.3)
    with pytest.raises(ConnectionFailed) as failure:
        client.get("/config/remote")
    assert failure.value.reason == "read-timeout"
    assert "read_timeout=0.3s" in (failure.value.hint or "")


def test_delete_that_finds_the_object_gone_after_a_retry_counts_as_done(pbs_sim, remote_body):
    client = client_for_sim(pbs_sim)
    client.create("/config/remote", remote_body("cloud"))
    pbs_sim.inject_fault(method="DELETE", path=f"{REMOTES}/cloud", count=1, drop="after")
    assert client.delete(api_path("config", "remote", "cloud"), missing_ok=False) is None
    assert [e["status"] for e in requests_to(pbs_sim, "DELETE", "/config/remote/cloud")][-1] == 404
    assert not client.exists(api_path("config", "remote", "cloud"))


def test_delete_of_a_missing_object_without_retry_is_not_found(pbs_sim):
    with pytest.raises(NotFound) as failure:
        client_for_sim(pbs_sim).delete(api_path("config", "remote", "nothere"), missing_ok=False)
    assert failure.value.status == 404


def test_ambiguous_post_that_landed_is_not_sent_again(pbs_sim, remote_body):
    client = client_for_sim(pbs_sim)
    path = api_path("config", "remote", "cloud")
    pbs_sim.inject_fault(method="POST", path=REMOTES, count=1, drop="after")
    result = client.create("/config/remote", remote_body("cloud"), exists=lambda: client.exists(path))
    assert result.ambiguous and result.data is None
    assert len(requests_to(pbs_sim, "POST", "/config/remote")) == 1
    assert [r["name"] for r in client.get("/config/remote").data] == ["cloud"]


def test_ambiguous_post_that_did_not_land_is_sent_again_once(pbs_sim, remote_body):
    client = client_for_sim(pbs_sim)
    path = api_path("config", "remote", "cloud")
    pbs_sim.inject_fault(method="POST", path=REMOTES, count=1, drop="before")
    result = client.create("/config/remote", remote_body("cloud"), exists=lambda: client.exists(path))
    assert not result.ambiguous
    assert len(requests_to(pbs_sim, "POST", "/config/remote")) == 2
    assert len(requests_to(pbs_sim, "GET", "/config/remote/cloud")) == 1
    assert [r["name"] for r in client.get("/config/remote").data] == ["cloud"]


def test_post_with_a_503_is_checked_then_retried(pbs_sim, remote_body):
    client = client_for_sim(pbs_sim)
    path = api_path("config", "remote", "cloud")
    pbs_sim.inject_fault(method="POST", path=REMOTES, count=1, status=503, body="busy")
    client.create("/config/remote", remote_body("cloud"), exists=lambda: client.exists(path))
    assert [e["status"] for e in requests_to(pbs_sim, "POST", "/config/remote")] == [503, 200]


def test_ambiguous_post_without_exists_check_is_raised_not_repeated(pbs_sim, remote_body):
    pbs_sim.inject_fault(method="POST", path=REMOTES, count=1, drop="after")
    with pytest.raises(ConnectionFailed) as failure:
        client_for_sim(pbs_sim).create("/config/remote", remote_body("cloud"))
    assert failure.value.maybe_applied and failure.value.reason == "dropped"
    assert len(requests_to(pbs_sim, "POST", "/config/remote")) == 1
