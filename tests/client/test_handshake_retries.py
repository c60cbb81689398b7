"""TLS handshakes that break off (a PBS restarting while the client connects) are retried for the
idempotent methods, never for POST, and a certificate that fails the pin is never retried."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from pbs_provider.client import ConnectionFailed, PbsClient, TlsMismatch

from .conftest import token_config


class HandshakeBreaker:
    """A TCP front for the simulator that reads the first `breaks` ClientHellos and closes the
    connection without answering (the server went away mid-handshake), then relays byte for byte."""

    def __init__(self, target_port: int, breaks: int) -> None:
        self.target_port = target_port
        self.breaks = breaks
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._stopped = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                broken = self.accepted <= self.breaks
            if broken:
                conn.recv(4096)  # the ClientHello
                conn.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for a, b in ((conn, upstream), (upstream, conn)):
                thread = threading.Thread(target=self._relay, args=(a, b), daemon=True)
                thread.start()
                self._threads.append(thread)

    @staticmethod
    def _relay(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stopped = True
        self._listener.close()


@pytest.fixture
def breaker(pbs_sim) -> Iterator:
    fronts: list[HandshakeBreaker] = []

    def make(breaks: int) -> HandshakeBreaker:
        front = HandshakeBreaker(pbs_sim.port, breaks)
        fronts.append(front)
        return front

    yield make
    for front in fronts:
        front.close()


def client_via(sim, front: HandshakeBreaker, **overrides) -> PbsClient:
    return PbsClient(token_config(sim, url=f"https://127.0.0.1:{front.port}", **overrides), "pbs1")


def test_get_whose_handshake_breaks_off_is_retried(pbs_sim, breaker):
    front = breaker(2)
    assert client_via(pbs_sim, front).get("/version").data["release"]
    assert front.accepted == 3  # two broken handshakes, then the answer


def test_handshakes_that_keep_breaking_off_end_in_a_dropped_connection(pbs_sim, breaker):
    front = breaker(100)
    with pytest.raises(ConnectionFailed) as failure:
        client_via(pbs_sim, front).get("/version")
    assert failure.value.reason == "dropped"
    assert "broke off" in str(failure.value)
    assert not isinstance(failure.value, TlsMismatch)
    # 4 attempts, plus the one connection that looked at the certificate for the message
    assert front.accepted == 5


def test_post_whose_handshake_breaks_off_is_not_retried_by_the_transport(pbs_sim, breaker, remote_body):
    front = breaker(1)
    client = client_via(pbs_sim, front)
    with pytest.raises(ConnectionFailed):
        client.create("/config/remote", remote_body("cloud"))
    assert front.accepted == 2  # the POST's one attempt and the certificate look


def test_a_certificate_that_fails_the_pin_is_not_retried(pbs_sim, breaker):
    front = breaker(0)
    wrong = ":".join(["00"] * 32)
    with pytest.raises(TlsMismatch):
        client_via(pbs_sim, front, fingerprint=wrong).get("/version")
    assert front.accepted == 2  # one attempt and the certificate look
