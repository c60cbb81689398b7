"""Can this machine reach `host:port` over TLS, and which certificate does it present there?

Used for a remote's other end, where the doctor may hold no credentials: a TCP connect (refused,
unresolvable, silent) and a TLS handshake that only *reads* the leaf certificate (no trust decision),
whose SHA-256 fingerprint is compared with the remote's pin; and whether the system CAs trust it
(a remote without a pin needs that).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from pbs_provider.client.transport import sha256_fingerprint


@dataclass(frozen=True)
class Probe:
    host: str
    port: int
    reason: str | None = None
    """None when reachable; else `refused`, `dns`, `timeout`, `tls` or `other`."""
    detail: str = ""
    fingerprint: str | None = None
    trusted: bool = False
    """The system CAs trust the certificate for `host`."""

    @property
    def reachable(self) -> bool:
        return self.reason is None


def _failure(error: OSError) -> tuple[str, str]:
    if isinstance(error, ConnectionRefusedError):
        return "refused", "connection refused"
    if isinstance(error, socket.gaierror):
        return "dns", "the host name does not resolve"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout", "no answer"
    if isinstance(error, ssl.SSLError):
        return "tls", f"TLS handshake failed ({error.reason or error})"
    return "other", error.strerror or str(error)


def _trusted(host: str, port: int, timeout: float) -> bool:
    context = ssl.create_default_context()
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except (OSError, ssl.SSLError):
        return False


def probe(host: str, port: int, timeout: float = 5.0) -> Probe:
    """Connect to `host:port` and read the certificate it presents."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except OSError as error:
        reason, detail = _failure(error)
        return Probe(host, port, reason, detail)
    if not der:
        return Probe(host, port, "tls", "the server presented no certificate")
    return Probe(host, port, fingerprint=sha256_fingerprint(der), trusted=_trusted(host, port, timeout))
