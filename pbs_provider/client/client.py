"""`PbsClient`: PBS API calls with auth, retries where safe, typed errors and digest-safe writes.

One instance per server per process (see `registry.client_for`); safe to share between threads.
HTTP plumbing (TLS trust, pooling, transport retries) lives in `transport`, login and ticket
renewal in `auth`, error mapping in `errors`. This module decides *which* retries are safe:

* GET, PUT and DELETE are retried by the transport on connection errors, resets, read timeouts
  and 502/503/504. A DELETE that finds the object gone after such a retry counts as done.
* POST is only retried when nothing was sent (connect failure). When it fails ambiguously
  (dropped after sending, read timeout, 502/503/504) the caller's `exists()` decides: landed →
  done, not landed → retry; without `exists` the error is raised as "may have been applied".
* A 401 with ticket auth logs in again once and repeats the request (PBS rejects before handling).
* `modify` re-reads the object for a fresh digest and retries on `detected modified configuration`.
  Writes to the same API section are serialised within the process (see `_write_lock`), so the
  plugin's threads do not cause each other digest conflicts.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import requests

from pbs_provider.client.auth import Auth, TicketAuth, TokenAuth
from pbs_provider.client.config import ServerConfig
from pbs_provider.client.errors import (
    AlreadyExists,
    ConnectionFailed,
    DigestConflict,
    NotFound,
    PbsError,
    RequestContext,
    ServerError,
    clean_message,
    error_from_response,
    hint_digest_conflict,
)
from pbs_provider.client.paths import api_path, check_path
from pbs_provider.client.transport import Transport
from pbs_types.version import PbsVersion

logger = logging.getLogger(__name__)

REAUTH_ATTEMPTS = 2
"""How often one request is sent again after PBS rejected its ticket (401)."""
AMBIGUOUS_STATUSES = frozenset({502, 503, 504})
SYNC_LISTINGS = frozenset({"/config/sync", "/admin/sync"})
ALL_DIRECTIONS_SINCE = PbsVersion(3, 2, 13)
"""`sync-direction=all` exists since PBS 3.2.13 (commit 403ad1f6d)."""


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer: `data` and the top-level `digest` (config GETs), if any.

    `ambiguous` is True only for a `create` whose POST failed ambiguously and whose `exists`
    check then showed the object had landed; `data` is None then (e.g. a new token's secret is
    lost and must be regenerated).
    """

    data: Any
    digest: str | None = None
    ambiguous: bool = False


def _json_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset (None) fields; send `delete` as a JSON array."""
    cleaned = {key: value for key, value in body.items() if value is not None}
    if "delete" in cleaned and isinstance(cleaned["delete"], str | tuple | set | frozenset):
        value = cleaned["delete"]
        cleaned["delete"] = [value] if isinstance(value, str) else sorted(value)
    return cleaned


def _query(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Query parameters: drop None, booleans as PBS's `true`/`false`."""
    if not params:
        return None
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else value
        for key, value in params.items()
        if value is not None
    }


class PbsClient:
    """Client for one PBS server, named `name` in the stack config. Thread-safe; not picklable.

    Paths are relative to `/api2/json` and must be built with `api_path` when they contain user
    values. Every method raises a `PbsError` subclass on failure.
    """

    def __init__(
        self,
        server: ServerConfig,
        name: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._server = server
        self._name = name
        self._transport = Transport(server, self._context_for("", ""))
        self._auth: Auth
        if server.uses_token:
            self._auth = TokenAuth(server.auth_id, server.secret)
        else:
            self._auth = TicketAuth(server.auth_id, server.secret, login=self._login, clock=clock)
        self._version: PbsVersion | None = None
        self._version_lock = threading.Lock()
        self._write_locks: dict[str, threading.RLock] = {}
        self._write_locks_guard = threading.Lock()

    # -- identity -------------------------------------------------------------------------------

    @property
    def server(self) -> ServerConfig:
        """The connection settings this client was built from."""
        return self._server

    @property
    def auth_id(self) -> str:
        """The identity this client sends requests as (`user@realm` or `user@realm!token`)."""
        return self._server.auth_id

    @property
    def name(self) -> str:
        """The server's name in the stack config (used in messages)."""
        return self._name

    def __repr__(self) -> str:
        return (
            f"PbsClient(name={self._name!r}, url={self._server.base_url!r}, auth_id={self._server.auth_id!r})"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            "PbsClient holds credentials, sockets and an SSLContext and must not be pickled: do not "
            "store it on a dynamic provider at construction time; get it inside the plugin with "
            "client_for(name, server_config)"
        )

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()

    def close(self) -> None:
        """Close pooled connections. The client can still be used afterwards (it reconnects)."""
        self._transport.close()

    # -- reads ----------------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> ApiResponse:
        """GET `path` (retried on transient failures). Missing object → `NotFound`.

        Sync job listings (`/config/sync`, `/admin/sync`) default to pull jobs only on PBS; unless
        the caller says otherwise, `sync-direction=all` is added (on PBS >= 3.2.13, which knows
        `all`; older servers have no push jobs to hide).
        """
        wants_default = path.rstrip("/") in SYNC_LISTINGS and "sync-direction" not in (params or {})
        if wants_default and self.version() >= ALL_DIRECTIONS_SINCE:
            params = {**(params or {}), "sync-direction": "all"}
        return self._request("GET", path, params=params)

    def exists(self, path: str, params: Mapping[str, Any] | None = None) -> bool:
        """True if GET `path` succeeds, False on `NotFound`; other errors propagate."""
        try:
            self.get(path, params)
        except NotFound:
            return False
        return True

    def version(self) -> PbsVersion:
        """The server's PBS version from `GET /version`, fetched once per client and cached."""
        with self._version_lock:
            if self._version is None:
                self._version = PbsVersion.from_api(self.get("/version").data)
            return self._version

    def node_status(self, node: str = "localhost") -> dict[str, Any]:
        """`GET /nodes/{node}/status` (needs Sys.Audit on /system/status)."""
        data = self.get(api_path("nodes", node, "status")).data
        return data if isinstance(data, dict) else {}

    def server_fingerprint(self, node: str = "localhost") -> str | None:
        """The certificate fingerprint the server reports about itself (`info.fingerprint`)."""
        fingerprint = self.node_status(node).get("info", {}).get("fingerprint")
        return fingerprint.lower() if isinstance(fingerprint, str) else None

    # -- writes ---------------------------------------------------------------------------------

    def create(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        exists: Callable[[], bool] | None = None,
    ) -> ApiResponse:
        """POST `body` to `path`, never creating twice.

        If the POST fails ambiguously (connection dropped after sending, read timeout, 502/503/
        504), `exists()` is asked whether it landed: yes → `ApiResponse(None, ambiguous=True)`;
        no → the POST is retried (bounded by `retry.attempts`). Without `exists` the failure is
        raised with `maybe_applied=True` (for a ConnectionFailed).
        """
        payload = _json_body(body)
        attempts = self._server.retry.attempts
        for attempt in range(1, attempts + 1):
            try:
                with self._write_lock(path):
                    return self._request("POST", path, body=payload)
            except AlreadyExists:
                if attempt == 1:
                    raise
                # an earlier, ambiguous POST landed after `exists()` looked (a slow server): ours
                logger.info(
                    "%s: POST %s retried after an ambiguous failure: the first one landed", self._name, path
                )
                return ApiResponse(data=None, ambiguous=True)
            except ConnectionFailed as failure:
                if not failure.maybe_applied:
                    raise
                problem: PbsError = failure
            except ServerError as failure:
                if failure.status not in AMBIGUOUS_STATUSES:
                    raise
                problem = failure
            if exists is None:
                raise problem
            if exists():
                logger.info("%s: POST %s failed ambiguously but the object exists: done", self._name, path)
                return ApiResponse(data=None, ambiguous=True)
            if attempt == attempts:
                raise problem
            logger.info("%s: POST %s failed ambiguously and did not land: retrying", self._name, path)
            self._pause(attempt)
        raise AssertionError("unreachable")

    def update(self, path: str, body: Mapping[str, Any], *, digest: str | None = None) -> ApiResponse:
        """PUT `body` to `path`; with `digest`, PBS refuses if the config file changed since."""
        payload = _json_body(body)
        if digest is not None:
            payload["digest"] = digest
        with self._write_lock(path):
            return self._request("PUT", path, body=payload)

    def delete(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        digest: str | None = None,
        missing_ok: bool = True,
    ) -> ApiResponse | None:
        """DELETE `path` (parameters go in the query string, as PBS reads them there).

        Returns None when the object was already gone and `missing_ok`; a DELETE that finds the
        object gone only after a transport retry counts as done even with `missing_ok=False`.
        """
        query = dict(params or {})
        if digest is not None:
            query["digest"] = digest
        try:
            with self._write_lock(path):
                return self._request("DELETE", path, params=query)
        except NotFound as missing:
            if missing_ok or missing.retried:
                return None
            raise

    def modify(
        self,
        path: str,
        change: Callable[[ApiResponse], Mapping[str, Any] | None],
        *,
        read_path: str | None = None,
        read_params: Mapping[str, Any] | None = None,
        method: str = "PUT",
        attempts: int | None = None,
    ) -> ApiResponse | None:
        """Digest-safe read-modify-write.

        Reads `read_path` (default `path`) for the current object and a fresh digest, asks
        `change(current)` for the body to write (None → nothing to do, returns None), and writes
        it with that digest (`PUT` body, or `DELETE` query parameters). On `detected modified
        configuration` it re-reads and calls `change` again with what is there now, so a
        concurrent change is never overwritten unseen; after `attempts` rounds (default
        `retry.digest_attempts`) `DigestConflict` is raised. For `method="DELETE"` an object
        that is already gone returns None. `change` runs under the section's write lock: keep it
        a quick function of `current` (reads through the client are fine).
        """
        if method not in ("PUT", "DELETE"):
            raise ValueError("modify writes with PUT or DELETE")
        rounds = attempts or self._server.retry.digest_attempts
        for attempt in range(1, rounds + 1):
            try:
                with self._write_lock(path):
                    try:
                        current = self.get(read_path or path, read_params)
                    except NotFound:
                        if method == "DELETE":
                            return None
                        raise
                    body = change(current)
                    if body is None:
                        return None
                    if method == "PUT":
                        return self.update(path, body, digest=current.digest)
                    return self.delete(path, body, digest=current.digest)
            except DigestConflict as conflict:
                if attempt == rounds:
                    conflict.hint = hint_digest_conflict(rounds)
                    raise
                logger.info("%s: %s %s: config changed concurrently, re-reading", self._name, method, path)
                self._pause(attempt)
        raise AssertionError("unreachable")

    # -- plumbing -------------------------------------------------------------------------------

    def _write_lock(self, path: str) -> threading.RLock:
        """The in-process lock for writes under the same API section (first two path segments).

        PBS's digest is file-wide (`remote.cfg`, `sync.cfg`, `user.cfg`, `acl.cfg`), and the
        section (`config/remote`, `access/users`, …) tells the file. Serialising our own writes per
        section means our threads never invalidate each other's digests; only other clients can.
        PBS serialises these writes under a file lock anyway, so little parallelism is lost.
        Reentrant, so a `modify` callback may write through the same client.
        """
        section = "/".join(path.split("/")[1:3])
        with self._write_locks_guard:
            return self._write_locks.setdefault(section, threading.RLock())

    def _pause(self, attempt: int) -> None:
        """Jittered exponential pause between our own retry rounds (same policy as transport)."""
        retry = self._server.retry
        delay = min(retry.backoff_max, retry.backoff_factor * (2 ** (attempt - 1)))
        time.sleep(delay * random.random() + random.uniform(0, retry.backoff_jitter))

    def _login(self, body: dict[str, str]) -> dict[str, Any]:
        """POST /access/ticket (no auth). Idempotent, so ambiguous failures are simply retried."""
        attempts = self._server.retry.attempts
        for attempt in range(1, attempts + 1):
            try:
                data = self._request("POST", "/access/ticket", body=body, authenticated=False).data
                return data if isinstance(data, dict) else {}
            except ConnectionFailed as failure:
                if not failure.maybe_applied or attempt == attempts:
                    raise
            except ServerError as failure:
                if failure.status not in AMBIGUOUS_STATUSES or attempt == attempts:
                    raise
            self._pause(attempt)
        raise AssertionError("unreachable")

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        authenticated: bool = True,
    ) -> ApiResponse:
        check_path(path)
        query = _query(params)
        headers = self._auth.headers(method) if authenticated else {}
        response = self._transport.send(method, path, params=query, body=body, headers=headers)
        # A rejected ticket is renewed and the request sent again. Twice at most: the first retry may
        # carry a ticket another thread obtained just before it expired too; the second logs in itself.
        for _ in range(REAUTH_ATTEMPTS):
            if not (
                response.status_code == 401 and authenticated and self._auth.renew_after_rejection(headers)
            ):
                break
            headers = self._auth.headers(method)
            response = self._transport.send(method, path, params=query, body=body, headers=headers)
        if response.status_code >= 300:
            raise self._error(method, path, response)
        return self._parse(method, path, response)

    def _context_for(self, method: str, path: str) -> RequestContext:
        return RequestContext(
            server=self._name,
            auth_id=self._server.auth_id,
            host=self._server.host,
            port=self._server.port,
            method=method,
            path=path,
        )

    def _error(self, method: str, path: str, response: requests.Response) -> PbsError:
        if response.is_redirect:
            location = response.headers.get("Location", "")
            body = f"the server redirected to {location.split('?')[0]}" if location else response.text
        else:
            body = response.text
        message = clean_message(body, self._auth.secrets())
        error = error_from_response(response.status_code, message, self._context_for(method, path))
        error.retried = self._transport.was_retried(response)
        return error

    def _parse(self, method: str, path: str, response: requests.Response) -> ApiResponse:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or "data" not in payload:
            raise ServerError(
                "the answer is not a PBS API response (no JSON object with 'data')",
                status=response.status_code,
                hint="check that the url points at the PBS API (https://<host>:8007)",
                context=self._context_for(method, path),
            )
        digest = payload.get("digest")
        return ApiResponse(data=payload["data"], digest=digest if isinstance(digest, str) else None)
