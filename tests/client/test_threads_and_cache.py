"""Thread safety, the per-process client cache, version caching and calls per operation."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import dill
import pytest

from pbs_provider.client import PbsClient, api_path, client_for
from pbs_types.version import PbsVersion

from .conftest import password_config, requests_to, token_config


def test_parallel_calls_share_one_login(pbs_sim, remote_body):
    client = client_for("pbs1", password_config(pbs_sim))

    def work(index: int) -> str:
        name = f"remote{index:02d}"
        client.create("/config/remote", remote_body(name))
        client.modify(api_path("config", "remote", name), lambda current: {"comment": f"c{index}"})
        return client.get(api_path("config", "remote", name)).data["comment"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(16)))
    assert results == [f"c{i}" for i in range(16)]
    assert len(requests_to(pbs_sim, "POST", "/access/ticket")) == 1
    assert len(client.get("/config/remote").data) == 16
    # Our own threads never invalidate each other's digests (writes per config file are serialised).
    puts = requests_to(pbs_sim, "PUT", "/config/remote")
    assert [e["status"] for e in puts] == [200] * 16


def test_client_for_returns_one_client_per_server_across_threads(pbs_sim):
    config = token_config(pbs_sim)
    with ThreadPoolExecutor(max_workers=4) as pool:
        clients = list(pool.map(lambda _: client_for("pbs1", config), range(8)))
    assert all(c is clients[0] for c in clients)
    assert client_for("other", config) is not clients[0]


def test_changed_config_replaces_the_cached_client(pbs_sim):
    first = client_for("pbs1", token_config(pbs_sim))
    second = client_for("pbs1", token_config(pbs_sim, read_timeout=5))
    assert second is not first and client_for("pbs1", token_config(pbs_sim, read_timeout=5)) is second


def test_version_is_fetched_once(pbs_sim):
    client = client_for("pbs1", token_config(pbs_sim))
    versions = {client_for("pbs1", token_config(pbs_sim)).version() for _ in range(3)}
    assert versions == {PbsVersion.parse(pbs_sim.version)}
    assert len(requests_to(pbs_sim, "GET", "/version")) == 1
    assert client.version() >= PbsVersion(4, 0, 0)


def test_calls_per_operation(pbs_sim, remote_body):
    client = PbsClient(token_config(pbs_sim), "pbs1")
    path = api_path("config", "remote", "cloud")
    operations = [
        ("create", lambda: client.create("/config/remote", remote_body("cloud")), [("POST", 200)]),
        ("get", lambda: client.get(path), [("GET", 200)]),
        ("update", lambda: client.update(path, {"comment": "a"}), [("PUT", 200)]),
        ("modify", lambda: client.modify(path, lambda c: {"comment": "b"}), [("GET", 200), ("PUT", 200)]),
        ("delete", lambda: client.delete(path), [("DELETE", 200)]),
        ("delete again", lambda: client.delete(path), [("DELETE", 404)]),
    ]
    for name, operation, expected in operations:
        pbs_sim.clear_request_log()
        operation()
        assert [(e["method"], e["status"]) for e in pbs_sim.request_log()] == expected, name


def test_server_fingerprint_matches_the_certificate(pbs_sim):
    assert PbsClient(token_config(pbs_sim), "pbs1").server_fingerprint() == pbs_sim.fingerprint


def test_clients_refuse_pickling(pbs_sim):
    client = client_for("pbs1", token_config(pbs_sim))
    client.get("/version")  # with live sockets in the pool
    with pytest.raises(TypeError, match="must not be pickled"):
        pickle.dumps(client)
    with pytest.raises(TypeError, match="must not be pickled"):
        pickle.dumps({"nested": [client]})


def test_a_provider_capturing_a_client_or_config_cannot_be_serialised_by_pulumi(pbs_sim):
    """Pulumi pickles dynamic providers with dill (recurse=True): the mistake must fail loudly."""
    config = token_config(pbs_sim)

    class CarelessProvider:
        def __init__(self, captured: object) -> None:
            self.captured = captured

    for captured in (client_for("pbs1", config), config):
        with pytest.raises(TypeError, match="must not be pickled"):
            dill.dumps(CarelessProvider(captured), recurse=True)


def test_sync_job_listings_include_push_jobs(pbs_sim):
    client = PbsClient(token_config(pbs_sim), "pbs1")
    client.create(
        "/config/sync", {"id": "pull1", "store": "store1", "remote-store": "store2", "remote": "cloud"}
    )
    client.create(
        "/config/sync",
        {
            "id": "push1",
            "store": "store1",
            "remote-store": "store2",
            "remote": "cloud",
            "sync-direction": "push",
        },
    )
    assert sorted(job["id"] for job in client.get("/config/sync").data) == ["pull1", "push1"]
    assert sorted(job["id"] for job in client.get("/admin/sync").data) == ["pull1", "push1"]
    # An explicit direction is respected.
    assert [job["id"] for job in client.get("/config/sync", {"sync-direction": "pull"}).data] == ["pull1"]


def test_old_servers_are_not_sent_the_all_direction(pbs_sim_factory):
    old = pbs_sim_factory("old", pbs_version="3.2.4")
    client = PbsClient(token_config(old), "old")
    client.create(
        "/config/sync", {"id": "pull1", "store": "store1", "remote-store": "store2", "remote": "cloud"}
    )
    assert [job["id"] for job in client.get("/config/sync").data] == ["pull1"]
    assert "sync-direction" not in requests_to(old, "GET", "/config/sync")[-1]["query"]
