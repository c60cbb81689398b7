"""Where a sync reads from and where a push writes to (pbs ``sync.rs`` ``SyncSource`` and ``push.rs``
``PushTarget``), each as PBS calls it.

* :class:`LocalSource` reads this server's datastore with the job owner's (pull: local sync) or the
  local user's (push) privileges, like ``ListAccessibleBackupGroups``.
* :class:`RemoteSource` reads another PBS through an :class:`ApiClient` (namespaces, groups,
  snapshots, then a reader session per snapshot) with the remote's credentials; the other server
  decides what those credentials may see.
* :class:`RemoteTarget` is the other PBS of a push: version check, namespaces, groups, snapshots,
  deletions and one backup session per snapshot; all checks happen over there.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.models.backups import BackupGroup, Snapshot
from pbs_sim.models.content_access import BACKUP_PROTOCOL, READER_PROTOCOL, ContentAccess
from pbs_sim.models.datastores import DatastoreStore
from pbs_sim.models.sync_common import MAX_NAMESPACE_DEPTH, HttpError, Namespace, SyncError, ns_text


class ApiClient(Protocol):
    """PBS's ``HttpClient`` as the sync code uses it: returns the answer's ``data``."""

    def login(self) -> None: ...

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


def _ns_params(ns: Namespace) -> dict[str, Any]:
    return {"ns": ns_text(ns)} if ns else {}


def _parse_ns(text: str) -> Namespace:
    return tuple(c for c in text.split("/") if c)


class SyncSource(Protocol):
    store: str
    ns: Namespace

    def list_namespaces(self, max_depth: int | None) -> tuple[list[Namespace], int | None]: ...

    def list_groups(self, ns: Namespace, owner: str) -> list[BackupGroup]: ...

    def list_snapshots(self, ns: Namespace, group: BackupGroup) -> list[dict[str, Any]]: ...

    def read_manifest(self, ns: Namespace, group: BackupGroup, backup_time: int) -> dict[str, Any] | None: ...


class LocalSource:
    """A datastore of this server (``LocalSource``)."""

    def __init__(self, datastores: DatastoreStore, access: ContentAccess, store: str, ns: Namespace) -> None:
        self._datastores = datastores
        self._access = access
        self.store = store
        self.ns = ns

    def list_namespaces(self, max_depth: int | None) -> tuple[list[Namespace], int | None]:
        depth = MAX_NAMESPACE_DEPTH if max_depth is None else max_depth
        depth = min(depth, MAX_NAMESPACE_DEPTH - len(self.ns))
        return [tuple(ns) for ns in self._datastores.walk(self.store, list(self.ns), depth)], max_depth

    def namespace_exists(self, ns: Namespace) -> bool:
        return self._datastores.namespace_exists(self.store, list(ns))

    def list_groups(self, ns: Namespace, owner: str) -> list[BackupGroup]:
        try:
            return self._access.accessible_groups(
                owner, self.store, list(ns), "Datastore.Read", "Datastore.Backup"
            )
        except ApiError as exc:
            raise SyncError(exc.message) from None

    def list_snapshots(self, ns: Namespace, group: BackupGroup) -> list[dict[str, Any]]:
        content = self._access.content
        owner = content.owner(self.store, ns, group)
        if owner is None:
            return []
        return [snap.list_item(owner) for snap in content.snapshots(self.store, ns, group)]

    def read_manifest(self, ns: Namespace, group: BackupGroup, backup_time: int) -> dict[str, Any] | None:
        snap = self._access.content.snapshot(self.store, ns, group, backup_time)
        return snap.manifest() if snap is not None else None


class RemoteSource:
    """Another PBS, read over HTTPS with the remote's credentials (``RemoteSource``)."""

    def __init__(self, client: ApiClient, store: str, ns: Namespace) -> None:
        self._client = client
        self.store = store
        self.ns = ns

    def _path(self, endpoint: str) -> str:
        return f"/api2/json/admin/datastore/{self.store}/{endpoint}"

    def list_namespaces(self, max_depth: int | None) -> tuple[list[Namespace], int | None]:
        params: dict[str, Any] = {}
        if max_depth is not None:
            params["max-depth"] = max_depth
        if self.ns:
            params["parent"] = ns_text(self.ns)
        self._client.login()
        try:
            items = self._client.request("GET", self._path("namespace"), params)
        except HttpError as exc:
            if exc.code == 404:
                if not self.ns and max_depth is None:
                    return [self.ns], 0  # backwards-compat mode (the caller logs and fails the job)
                raise SyncError(errors.REMOTE_NO_NAMESPACE_SUPPORT) from None
            raise SyncError(
                f"Querying namespaces failed - HTTP error {exc.status_text} - {exc.message}"
            ) from None
        except SyncError as exc:
            raise SyncError(f"Querying namespaces failed - {exc}") from None
        return [_parse_ns(item["ns"]) for item in items], max_depth

    def list_groups(self, ns: Namespace, owner: str) -> list[BackupGroup]:
        self._client.login()
        try:
            items = self._client.request("GET", self._path("groups"), _ns_params(ns) or None)
        except (HttpError, SyncError) as exc:
            raise SyncError(f"Failed to retrieve backup groups from remote - {exc}") from None
        return [BackupGroup(item["backup-type"], item["backup-id"]) for item in items]

    def list_snapshots(self, ns: Namespace, group: BackupGroup) -> list[dict[str, Any]]:
        self._client.login()
        return list(
            self._client.request("GET", self._path("snapshots"), {**group.as_params(), **_ns_params(ns)})
        )

    def read_manifest(self, ns: Namespace, group: BackupGroup, backup_time: int) -> dict[str, Any] | None:
        params = {"store": self.store, **_ns_params(ns), **group.as_params(), "backup-time": backup_time}
        return self._client.request("GET", "/api2/json/reader", params, {"Upgrade": READER_PROTOCOL})


class RemoteTarget:
    """The other PBS of a push (``PushTarget``): everything it is asked goes over HTTPS."""

    def __init__(self, client: ApiClient, remote: str, store: str, ns: Namespace, auth_id: str) -> None:
        self._client = client
        self.remote = remote
        self.store = store
        self.ns = ns
        self.auth_id = auth_id  # the remote user: owner of what the push creates over there
        self.supports_prune_delete_stats = True

    def _path(self, endpoint: str) -> str:
        return f"/api2/json/admin/datastore/{self.store}/{endpoint}"

    def version(self) -> tuple[int, int, int]:
        info = self._client.request("GET", "/api2/json/version")
        major, _, minor = str(info["version"]).partition(".")
        return int(major), int(minor or 0), int(info.get("release") or 0)

    def namespaces(self) -> list[Namespace]:
        items = self._client.request("GET", self._path("namespace"))
        return sorted((_parse_ns(item["ns"]) for item in items), key=lambda ns: len(ns_text(ns)))

    def create_namespace(self, name: str, parent: Namespace) -> None:
        params: dict[str, Any] = {"name": name}
        if parent:
            params["parent"] = ns_text(parent)
        self._client.request("POST", self._path("namespace"), params)

    def remove_namespace(self, ns: Namespace) -> dict[str, int]:
        params: dict[str, Any] = {"ns": ns_text(ns), "delete-groups": True}
        if self.supports_prune_delete_stats:
            params["error-on-protected"] = False
        result = self._client.request("DELETE", self._path("namespace"), params)
        return result if self.supports_prune_delete_stats and isinstance(result, dict) else {}

    def groups(self, ns: Namespace) -> list[dict[str, Any]]:
        return list(self._client.request("GET", self._path("groups"), {"ns": ns_text(ns)}))

    def remove_group(self, ns: Namespace, group: BackupGroup) -> dict[str, int]:
        params: dict[str, Any] = {**group.as_params(), "ns": ns_text(ns)}
        if self.supports_prune_delete_stats:
            params["error-on-protected"] = False
        result = self._client.request("DELETE", self._path("groups"), params)
        return result if self.supports_prune_delete_stats and isinstance(result, dict) else {}

    def snapshots(self, ns: Namespace, group: BackupGroup) -> list[dict[str, Any]]:
        return list(
            self._client.request("GET", self._path("snapshots"), {**group.as_params(), **_ns_params(ns)})
        )

    def forget_snapshot(self, ns: Namespace, item: dict[str, Any]) -> None:
        params = {k: item[k] for k in ("backup-type", "backup-id", "backup-time")}
        self._client.request("DELETE", self._path("snapshots"), {**params, **_ns_params(ns)})

    def upload(self, ns: Namespace, snap: Snapshot) -> None:
        """One backup session: the target checks Datastore.Backup, ownership and time order."""
        params = {
            "store": self.store,
            **_ns_params(ns),
            **snap.group.as_params(),
            "backup-time": snap.time,
            "manifest": json.dumps(snap.manifest()),
        }
        self._client.request("POST", "/api2/json/backup", params, {"Upgrade": BACKUP_PROTOCOL})
