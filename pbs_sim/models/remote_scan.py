"""``/config/remote/{name}/scan``: look at a remote through its own configuration (pbs
``src/api2/config/remote.rs`` ``scan_remote_*``).

The server itself connects to the remote with the configured host, port, auth-id, password and
fingerprint, so a scan proves what a sync run would meet: reachability, the certificate pin and
what the remote's credentials may see. A user auth-id logs in first (``remote_client``); tokens do
not. Failures are 500 ``failed to scan remote '<name>' - ...``. Answers are re-emitted as PBS's
local types, so defaults show up (``comment: null``, ``mount-status``, ``backend-type``).
"""

from __future__ import annotations

from typing import Any

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.models.remotes import RemoteStore
from pbs_sim.models.sync_runner import ClientFactory
from pbs_sim.models.sync_sources import ApiClient

DATASTORE_ITEM_DEFAULTS = {"comment": None, "mount-status": "nonremovable", "backend-type": "filesystem"}
GROUP_FIELDS = ("backup-type", "backup-id", "last-backup", "backup-count", "files", "owner", "comment")


class RemoteScanner:
    def __init__(self, remotes: RemoteStore, connect: ClientFactory) -> None:
        self._remotes = remotes
        self._connect = connect

    def _get(self, name: str, path: str, params: dict[str, Any] | None = None) -> Any:
        remote = self._remotes.read_with_password(name)
        if remote is None:
            raise errors.no_such_section("remote", name)
        client: ApiClient = self._connect(remote, lambda level, message: None)
        try:
            try:
                client.login()
            except Exception as exc:
                raise ApiError(
                    errors.scan_failed(name, f"remote connection to '{remote['host']}' failed - {exc}"), 500
                ) from None
            try:
                data = client.request("GET", path, params)
            except Exception as exc:
                raise ApiError(errors.scan_failed(name, str(exc)), 500) from None
        finally:
            close = getattr(client, "close", None)
            if close is not None:
                close()
        if not isinstance(data, list):
            raise ApiError(errors.SCAN_PARSE_FAILED)
        return data

    def datastores(self, name: str) -> list[dict[str, Any]]:
        items = self._get(name, "/api2/json/admin/datastore")
        return [{**DATASTORE_ITEM_DEFAULTS, **item} for item in items]

    def namespaces(self, name: str, store: str) -> list[dict[str, Any]]:
        return self._get(name, f"/api2/json/admin/datastore/{store}/namespace")

    def groups(self, name: str, store: str, namespace: str | None) -> list[dict[str, Any]]:
        params = {"ns": namespace} if namespace is not None else None
        items = self._get(name, f"/api2/json/admin/datastore/{store}/groups", params)
        return [{k: item[k] for k in GROUP_FIELDS if k in item} for item in items]
