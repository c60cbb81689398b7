"""The one place the project talks HTTP to PBS: auth, TLS trust, retries, typed errors.

Usage (inside the provider plugin, never at import or pickling time)::

    from pbs_provider.client import ServerConfig, client_for, api_path, NotFound

    server = ServerConfig(url="https://pbs.example.com", auth_id="root@pam!pulumi",
                          secret="…", fingerprint="64:d3:…")
    pbs = client_for("onprem", server)          # one cached client per server name per process
    remote = pbs.get(api_path("config", "remote", name))   # ApiResponse(data, digest)
    pbs.create("/config/remote", {"name": name, …}, exists=lambda: pbs.exists(api_path(…)))
    pbs.modify(api_path("config", "sync", job_id), lambda current: {"comment": "x"})
    pbs.delete(api_path("config", "remote", name))          # already gone → fine
    pbs.version()                                           # PbsVersion, cached

Contract (see docs/architecture.md "Contract: client"):

* `ServerConfig` — validated connection settings (url, auth_id, secret as `SecretStr`, fingerprint,
  ca_file, verify_tls, timeouts, `retry: RetrySettings`). Its repr/str never shows the secret and it
  refuses pickling.
* `PbsClient(server, name)` — `get`, `exists`, `create`, `update`, `delete`, `modify` (digest-safe
  read-modify-write), `version`, `node_status`, `server_fingerprint`. Paths are relative to
  `/api2/json`; build them from user values with `api_path`. Request bodies are JSON; keys whose
  value is None are dropped (PBS rejects fields it does not know, so unset fields are never sent);
  `delete` is sent as an array. Clients refuse pickling.
* `client_for(name, server)` — the process-wide, thread-safe cache of clients (one connection pool
  and, for password auth, one login per server).
* Errors (`pbs_provider.client.errors`): `PbsError` (`.status`, `.message`, `.hint`) and its
  subclasses `NotFound`, `AlreadyExists`, `AuthenticationFailed`, `PermissionDenied`,
  `DigestConflict`, `ParameterError` (`.fields`), `ConnectionFailed` (`.reason`,
  `.maybe_applied`), `TlsMismatch` (a `ConnectionFailed`), `ServerError`. Messages never contain
  secrets.
"""

from pbs_provider.client.client import ApiResponse, PbsClient
from pbs_provider.client.config import DEFAULT_PORT, RetrySettings, ServerConfig
from pbs_provider.client.errors import (
    AlreadyExists,
    AuthenticationFailed,
    ConnectionFailed,
    DigestConflict,
    NotFound,
    ParameterError,
    PbsError,
    PermissionDenied,
    ServerError,
    TlsMismatch,
)
from pbs_provider.client.paths import UnsafePathError, api_path, path_segment
from pbs_provider.client.registry import client_for, close_all_clients

__all__ = [
    "DEFAULT_PORT",
    "AlreadyExists",
    "ApiResponse",
    "AuthenticationFailed",
    "ConnectionFailed",
    "DigestConflict",
    "NotFound",
    "ParameterError",
    "PbsClient",
    "PbsError",
    "PermissionDenied",
    "RetrySettings",
    "ServerConfig",
    "ServerError",
    "TlsMismatch",
    "UnsafePathError",
    "api_path",
    "client_for",
    "close_all_clients",
    "path_segment",
]
