"""HTTP transport to one PBS server: TLS trust, one connection pool, timeouts, transport retries.

* TLS: a pinned `fingerprint` is enforced by urllib3's `assert_fingerprint` on a custom
  `HTTPAdapter` (chain and host name are then not checked, like PBS's own client for a pinned
  self-signed certificate); a `ca_file` goes to requests' `verify=`; otherwise the system CAs.
  `verify_tls=False` disables verification after a loud warning.
* One `HTTPAdapter` (= one urllib3 pool) per server, shared by per-thread `requests.Session`s,
  since a Session is not guaranteed thread-safe. Sessions ignore the environment (no proxies,
  netrc or CA bundle from env vars that could bypass the pin) and keep no cookies.
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
import logging
import ssl
import threading
import time
from collections.abc import Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
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
API_PREFIX = "/api2/json"


class PinnedAdapter(HTTPAdapter):
    """An `HTTPAdapter` whose pool checks the leaf certificate's SHA-256 fingerprint."""

    def __init__(self, fingerprint: str | None, **kwargs: Any) -> None:
        self._fingerprint = fingerprint
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        """Add `assert_fingerprint` to every pool this adapter creates."""
        if self._fingerprint:
            pool_kwargs["assert_fingerprint"] = self._fingerprint
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def __reduce__(self) -> Any:
        raise TypeError("the HTTP adapter holds sockets and must not be pickled")


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
        self._adapter = PinnedAdapter(
            server.fingerprint, pool_connections=1, pool_maxsize=16, max_retries=make_retry(server)
        )
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        if server.fingerprint:
            self._verify: bool | str = False  # the pin replaces chain verification
        elif server.ca_file is not None:
            self._verify = str(server.ca_file)
        else:
            self._verify = server.verify_tls
        if not server.verify_tls:
            logger.warning(
                "TLS VERIFICATION IS OFF for server %r (%s): anyone on the path can read and change "
                "the traffic, credentials included. Set `fingerprint` or `caFile` instead.",
                context.server,
                server.base_url,
            )

    def __reduce__(self) -> Any:
        raise TypeError("the transport holds sockets and must not be pickled")

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            session.mount(self._server.base_url + "/", self._adapter)
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close the pool; sessions are recreated on next use."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()
        self._adapter.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> requests.Response:
        """Send one request (with transport retries) and return the response, whatever its status."""
        url = f"{self._server.base_url}{API_PREFIX}{path}"
        request_headers = {"Accept": "application/json", **headers}
        started = time.monotonic()
        try:
            response = self._session().request(
                method,
                url,
                params=params,
                json=body if body is not None else None,
                headers=request_headers,
                timeout=(self._server.connect_timeout, self._server.read_timeout),
                allow_redirects=False,
                verify=self._verify,
            )
        except requests.RequestException as error:
            failure = self._failure(method, path, error)
        else:
            logger.debug(
                "%s: %s %s -> %s (%.0f ms%s)",
                self._context.server,
                method,
                path,
                response.status_code,
                (time.monotonic() - started) * 1000,
                ", retried" if self.was_retried(response) else "",
            )
            return response
        raise failure

    @staticmethod
    def was_retried(response: requests.Response) -> bool:
        """True if urllib3 had to retry before this response arrived."""
        retries = getattr(response.raw, "retries", None)
        return bool(retries is not None and retries.history)

    def _failure(self, method: str, path: str, error: requests.RequestException) -> ConnectionFailed:
        """Turn a requests/urllib3 exception into a `ConnectionFailed` with reason and hint."""
        server = self._server
        context = RequestContext(
            self._context.server, self._context.auth_id, server.host, server.port, method, path
        )
        cause = _root_cause(error)
        where = f"{server.host}:{server.port}"
        common: dict[str, Any] = {"context": context}
        if isinstance(error, requests.exceptions.SSLError) or isinstance(
            cause, Urllib3SSLError | ssl.SSLError
        ):
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
        if isinstance(error, requests.exceptions.ConnectTimeout):
            return ConnectionFailed(
                f"connecting to {where} timed out after {server.connect_timeout:g}s",
                reason="connect-timeout",
                hint=hint_connect_timeout(server.host, server.port, server.connect_timeout),
                **common,
            )
        if isinstance(error, requests.exceptions.ReadTimeout) or isinstance(cause, ReadTimeoutError):
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
    """The innermost urllib3/OS error behind a requests exception (MaxRetryError unwrapped)."""
    current: BaseException = error
    for _ in range(10):
        inner: BaseException | None = None
        if isinstance(current, MaxRetryError) and current.reason is not None:
            inner = current.reason
        elif isinstance(current, requests.RequestException | ProtocolError) and current.args:
            first = current.args[0]
            inner = first if isinstance(first, BaseException) else None
        if inner is None:
            return current
        current = inner
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
