"""Failures below HTTP: refused and unanswered connections, with their reason and hint."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from pbs_provider.client import ConnectionFailed, PbsClient, RetrySettings, ServerConfig

ONE_RETRY = RetrySettings(attempts=2, backoff_factor=0.01, backoff_max=0.01, backoff_jitter=0)


def offline_client(port: int, **overrides) -> PbsClient:
    values = {
        "url": f"https://127.0.0.1:{port}",
        "auth_id": "root@pam!x",
        "secret": "s",
        "fingerprint": ":".join(["00"] * 32),
        "retry": ONE_RETRY,
    }
    values.update(overrides)
    return PbsClient(ServerConfig(**values), "offline")


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose accept queue is full, so new connections get no answer (like dropped SYNs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def test_connection_refused_has_the_firewall_hint(closed_port):
    with pytest.raises(ConnectionFailed) as failure:
        offline_client(closed_port).get("/version")
    assert failure.value.reason == "refused" and not failure.value.maybe_applied
    assert f"TCP {closed_port} to `127.0.0.1` is blocked" in (failure.value.hint or "")


def test_refused_post_is_not_ambiguous(closed_port):
    calls = []
    with pytest.raises(ConnectionFailed) as failure:
        offline_client(closed_port).create("/config/remote", {"name": "x"}, exists=lambda: calls.append(1))
    assert failure.value.reason == "refused"
    assert calls == []  # nothing was sent, so there was nothing to check


def test_unanswered_connect_times_out_with_hint(silent_port):
    with pytest.raises(ConnectionFailed) as failure:
        offline_client(silent_port, connect_timeout=0.2).get("/version")
    assert failure.value.reason == "connect-timeout"
    assert "0.2s" in (failure.value.hint or "")
