"""HTTP transport to one PBS server: TLS trust, one connection pool, timeouts, transport retries.

* TLS: a pinned `fingerprint` is enforced by urllib3's `assert_fingerprint` (chain and host name
  are then not checked, like PBS's own client for a pinned self-signed certificate); a `ca_file`
  verifies chain and host name against that bundle; otherwise the system CAs do.
  `verify_tls=False` disables verification after a loud warning.
* One urllib3 connection pool per server, thread-safe and shared by the plugin's threads, with
  keep-alive connections. It is used directly, not through `requests`: the provider needs none of
  what `requests` adds per request (sessions, cookies, hooks, environment lookups, URL
  re-parsing), and that layer cost more CPU per request than urllib3 itself (docs/performance.md).
  Nothing comes from the environment (no proxies, netrc or CA bundle from env vars that could
  bypass the pin) and no cookie is kept.
* urllib3's `Retry` retries connect failures for every method (nothing was sent) and, for GET,
  PUT and DELETE only, read errors, read timeouts, TLS handshakes that break off (a PBS restarting
  while a connection is set up) and 502/503/504, with exponential backoff and jitter. A certificate
  that fails verification or the pin is never retried. POST is never retried here; the client decides
  (see `client.create`).
* Transport failures become `ConnectionFailed` / `TlsMismatch` with a hint; no request object,
  header or body is kept on the raised error.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util.retry import Retry

from pbs_provider.client.config import ServerConfig
from pbs_provider.client.errors import (
    ConnectionFailed,
    RequestContext,
    TlsMismatch,
    hint_connect_timeout,
    hint_connection_refused,
    hint_dns,
    hint_dropped,
    hint_fingerprint_changed,
    hint_hostname_mismatch,
    hint_read_timeout,
    hint_untrusted_certificate,
)
from pbs_types.ids import normalize_fingerprint

logger = logging.getLogger(__name__)

RETRY_METHODS = frozenset({"GET", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
API_PREFIX = "/api2/json"
POOL_SIZE = 16
"""Keep-alive connections kept per server (the plugin serves RPCs from 4 threads)."""


@dataclass(frozen=True)
class HttpResponse:
    """One answer as the client needs it: status, headers, the whole body, and whether urllib3
    had to retry before it arrived."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    retried: bool = False

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES and "location" in self.headers


class TransportRetry(Retry):
    """urllib3's `Retry`, which also counts a TLS handshake that broke off as a read error: retried
    for the idempotent methods only, like a dropped connection (urllib3 counts every SSL error as
    "other" and gives up at once, so a `GET /version` meeting a PBS restart failed)."""

    def _is_read_error(self, err: Exception) -> bool:
        return super()._is_read_error(err) or _is_broken_handshake(err)


def _is_broken_handshake(err: Exception) -> bool:
    """An SSL error that is not about the certificate: the peer closed or reset the handshake."""
    if not isinstance(err, Urllib3SSLError):
        return False
    cause = err.args[0] if err.args else err
    if isinstance(cause, ssl.SSLCertVerificationError):
        return False
    return "fingerprints did not match" not in str(cause).lower()


def make_retry(server: ServerConfig) -> Retry:
    """urllib3 retry policy from the server's `RetrySettings` (see module docstring)."""
    settings = server.retry
    retries = settings.attempts - 1
    return TransportRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=0,
        allowed_methods=RETRY_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        backoff_jitter=settings.backoff_jitter,
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=True,
    )


def sha256_fingerprint(der: bytes) -> str:
    """Lower-case colon hex SHA-256 of a DER certificate (PBS's fingerprint format)."""
    return ":".join(f"{byte:02x}" for byte in hashlib.sha256(der).digest())


def presented_fingerprint(host: str, port: int, timeout: float) -> str | None:
    """Fingerprint of the certificate the server presents, for error hints only (no trust decision)."""
    try:
        pem = ssl.get_server_certificate((host, port), timeout=timeout)
    except (OSError, ValueError):
        return None
    return sha256_fingerprint(ssl.PEM_cert_to_DER_cert(pem))


class Transport:
    """Sends requests to one server; see the module docstring for the policies."""

    def __init__(self, server: ServerConfig, context: RequestContext) -> None:
        self._server = server
        self._context = context
        self._retry = make_retry(server)
        self._timeout = urllib3.Timeout(connect=server.connect_timeout, read=server.read_timeout)
        self._pool_lock = threading.Lock()
        self._pool: urllib3.HTTPConnectionPool | None = None
        if not server.verify_tls:
            logger.warning(
                "TLS VERIFICATION IS OFF for server %r (%s): anyone on the path can read and change "
                "the traffic, credentials included. Set `fingerprint` or `caFile` instead.",
                context.server,
                server.base_url,
            )

    def __reduce__(self) -> Any:
        raise TypeError("the transport holds sockets and must not be pickled")

    def _tls_options(self) -> dict[str, Any]:
        server = self._server
        if server.fingerprint:  # the pin replaces chain and host name verification
            return {"cert_reqs": "CERT_NONE", "assert_fingerprint": server.fingerprint}
        if server.ca_file is not None:
            return {"cert_reqs": "CERT_REQUIRED", "ca_certs": str(server.ca_file)}
        if server.verify_tls:
            return {"cert_reqs": "CERT_REQUIRED"}  # urllib3 loads the system CAs
        return {"cert_reqs": "CERT_NONE"}

    def _connections(self) -> urllib3.HTTPConnectionPool:
        """The server's connection pool, created on first use (and again after `close`)."""
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                if self._pool is None:
                    https = self._server.base_url.startswith("https:")
                    self._pool = urllib3.connection_from_url(
                        self._server.base_url,
                        maxsize=POOL_SIZE,
                        block=False,
                        retries=self._retry,
                        timeout=self._timeout,
                        **(self._tls_options() if https else {}),
                    )
                pool = self._pool
        return pool

    def close(self) -> None:
        """Close the pool's connections; a new pool is created on next use."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> HttpResponse:
        """Send one request (with transport retries) and return the response, whatever its status."""
        target = f"{API_PREFIX}{path}"
        if params:
            target = f"{target}?{urlencode(params, doseq=True)}"
        request_headers = {"Accept": "application/json", **headers}
        payload = None
        if body is not None:
            payload = json.dumps(body, allow_nan=False).encode()
            request_headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            answer = self._connections().urlopen(
                method,
                target,
                body=payload,
                headers=request_headers,
                retries=self._retry,
                timeout=self._timeout,
                redirect=False,
                assert_same_host=False,
            )
        except (HTTPError, OSError) as error:
            failure = self._failure(method, path, error)
        else:
            history = answer.retries.history if answer.retries is not None else ()
            response = HttpResponse(answer.status, answer.headers, answer.data, bool(history))
            logger.debug(
                "%s: %s %s -> %s (%.0f ms%s)",
                self._context.server,
                method,
                path,
                response.status,
                (time.monotonic() - started) * 1000,
                ", retried" if response.retried else "",
            )
            return response
        raise failure

    def _failure(self, method: str, path: str, error: BaseException) -> ConnectionFailed:
        """Turn a urllib3/OS exception into a `ConnectionFailed` with reason and hint."""
        server = self._server
        context = RequestContext(
            self._context.server, self._context.auth_id, server.host, server.port, method, path
        )
        cause = _root_cause(error)
        where = f"{server.host}:{server.port}"
        common: dict[str, Any] = {"context": context}
        if isinstance(cause, Urllib3SSLError | ssl.SSLError):
            tls = self._tls_failure(str(cause), common)
            if tls is not None:
                return tls
            # the pinned certificate is the one presented (or nothing is, now): the handshake itself
            # broke off, as when the server stops or restarts in the middle of it; no request was sent
            return ConnectionFailed(
                f"the TLS handshake with {where} broke off ({_verify_reason(str(cause))})",
                reason="dropped",
                hint=hint_dropped(server.host),
                **common,
            )
        # urllib3 derives NewConnectionError (refused, DNS) from ConnectTimeoutError
        if isinstance(cause, ConnectTimeoutError) and not isinstance(cause, NewConnectionError):
            return ConnectionFailed(
                f"connecting to {where} timed out after {server.connect_timeout:g}s",
                reason="connect-timeout",
                hint=hint_connect_timeout(server.host, server.port, server.connect_timeout),
                **common,
            )
        if isinstance(cause, ReadTimeoutError):
            return ConnectionFailed(
                f"no answer from {where} within {server.read_timeout:g}s",
                reason="read-timeout",
                maybe_applied=True,
                hint=hint_read_timeout(server.host, server.read_timeout),
                **common,
            )
        if isinstance(cause, NameResolutionError):
            return ConnectionFailed(
                f"cannot resolve {server.host}", reason="dns", hint=hint_dns(server.host), **common
            )
        if isinstance(cause, NewConnectionError):
            refused = _is_refused(cause)
            return ConnectionFailed(
                f"connection to {where} {'refused' if refused else 'failed'}",
                reason="refused" if refused else "other",
                hint=hint_connection_refused(server.host, server.port),
                **common,
            )
        if isinstance(cause, ProtocolError | ConnectionError):
            return ConnectionFailed(
                f"connection to {where} was closed before an answer arrived",
                reason="dropped",
                maybe_applied=True,
                hint=hint_dropped(server.host),
                **common,
            )
        return ConnectionFailed(
            f"request to {where} failed: {type(cause).__name__}",
            reason="other",
            maybe_applied=method != "GET",
            hint=hint_dropped(server.host),
            **common,
        )

    def _tls_failure(self, detail: str, common: dict[str, Any]) -> TlsMismatch | None:
        """What the certificate has to do with a TLS failure; None when it is not the cause (the
        presented certificate is the pinned one, or the server presents none at the moment)."""
        server = self._server
        presented = presented_fingerprint(server.host, server.port, server.connect_timeout)
        if server.fingerprint:
            if presented is None or normalize_fingerprint(presented) == normalize_fingerprint(
                server.fingerprint
            ):
                return None
            return TlsMismatch(
                f"the certificate of {server.host} does not match the pinned fingerprint "
                f"{server.fingerprint}",
                presented_fingerprint=presented,
                hint=hint_fingerprint_changed(presented),
                **common,
            )
        lowered = detail.lower()
        if "hostname mismatch" in lowered or "doesn't match" in lowered or "not valid for" in lowered:
            return TlsMismatch(
                f"the certificate of {server.host} is not valid for that name",
                presented_fingerprint=presented,
                hint=hint_hostname_mismatch(server.host),
                **common,
            )
        if "certificate verify failed" in lowered or "self-signed" in lowered or "self signed" in lowered:
            return TlsMismatch(
                f"the certificate of {server.host} is not trusted ({_verify_reason(detail)})",
                presented_fingerprint=presented,
                hint=hint_untrusted_certificate(presented),
                **common,
            )
        return TlsMismatch(
            f"TLS handshake with {server.host} failed ({_verify_reason(detail)})",
            presented_fingerprint=presented,
            hint=hint_untrusted_certificate(presented),
            **common,
        )


def _root_cause(error: BaseException) -> BaseException:
    """The urllib3/OS error behind a failure: `MaxRetryError` unwrapped to its last reason."""
    current: BaseException = error
    for _ in range(10):
        if not isinstance(current, MaxRetryError) or current.reason is None:
            return current
        current = current.reason
    return current


def _is_refused(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return True
        seen = seen.__cause__ or seen.__context__
    return "refused" in str(error).lower()


def _verify_reason(detail: str) -> str:
    """The short OpenSSL reason (e.g. 'self-signed certificate'), without URLs or objects."""
    marker = "certificate verify failed:"
    lowered = detail.lower()
    if marker in lowered:
        start = lowered.index(marker) + len(marker)
        return detail[start:].split("(")[0].strip(" )'\"") or "certificate verify failed"
    return "TLS error"
