"""What the doctor reads from one PBS, through one client, each answer read once.

Every method maps PBS's answer to a plain value and leaves the client's typed errors
(`AuthenticationFailed`, `PermissionDenied`, `NotFound`, `ConnectionFailed`) to the checks, which
turn them into findings. Endpoints: datastores (`GET /admin/datastore`), namespaces
(`GET /admin/datastore/{store}/namespace`), backup groups (`GET /admin/datastore/{store}/groups`),
snapshots of a group (`GET /admin/datastore/{store}/snapshots`), privileges
(`GET /access/permissions`, the token ∩ user intersection for a token), users and tokens
(`/access/users/…`), remotes (`/config/remote/{name}`) and prune and verify jobs (`GET /config/prune`,
`GET /config/verify`: PBS lists only the jobs the caller holds Datastore.Audit, or Modify (prune) /
Verify (verify), on).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pbs_provider.client import NotFound, PbsClient, api_path
from pbs_types.ids import namespace_depth
from pbs_types.prune import Snapshot

T = TypeVar("T")


@dataclass(frozen=True)
class Group:
    """A backup group in one namespace of a datastore."""

    ns: str
    type: str
    id: str
    owner: str | None
    snapshots: int

    @property
    def name(self) -> str:
        return f"{self.type}/{self.id}"


class PbsFacts:
    """Cached reads from one server (named `name` in messages)."""

    def __init__(self, client: PbsClient, name: str) -> None:
        self.client, self.name = client, name
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _once(self, key: tuple[Any, ...], read: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = read()
        return self._memo[key]

    @property
    def auth_id(self) -> str:
        return self.client.server.auth_id

    def version(self) -> str:
        return str(self.client.version())

    def datastores(self) -> set[str]:
        def read() -> set[str]:
            data = self.client.get("/admin/datastore").data
            return (
                {str(i.get("store")) for i in data if isinstance(i, Mapping)}
                if isinstance(data, list)
                else set()
            )

        return self._once(("datastores",), read)

    def namespaces(self, store: str, parent: str = "", max_depth: int | None = None) -> list[str]:
        """Namespaces at and below `parent` (the anchor first), `max_depth` levels deep."""

        def read() -> list[str]:
            params: dict[str, Any] = {"parent": parent or None, "max-depth": max_depth}
            data = self.client.get(api_path("admin", "datastore", store, "namespace"), params).data
            return (
                [str(i.get("ns", "")) for i in data if isinstance(i, Mapping)]
                if isinstance(data, list)
                else []
            )

        return self._once(("namespaces", store, parent, max_depth), read)

    def namespace_exists(self, store: str, ns: str | None) -> bool:
        if not ns:
            return True
        return ns in self.namespaces(store, "", namespace_depth(ns))

    def privileges(self, path: str, auth_id: str | None = None) -> frozenset[str]:
        """The privileges `auth_id` (default: the client's own) holds on `path`."""

        def read() -> frozenset[str]:
            params = {"path": path, "auth-id": auth_id if auth_id != self.auth_id else None}
            data = self.client.get("/access/permissions", params).data
            held = data.get(path, {}) if isinstance(data, Mapping) else {}
            return frozenset(held) if isinstance(held, Mapping) else frozenset()

        return self._once(("privileges", path, auth_id), read)

    def groups(self, store: str, ns: str) -> list[Group]:
        def read() -> list[Group]:
            params = {"ns": ns or None}
            data = self.client.get(api_path("admin", "datastore", store, "groups"), params).data
            return [
                Group(
                    ns,
                    str(item.get("backup-type")),
                    str(item.get("backup-id")),
                    item.get("owner"),
                    int(item.get("backup-count", 0) or 0),
                )
                for item in (data if isinstance(data, list) else [])
                if isinstance(item, Mapping)
            ]

        return self._once(("groups", store, ns), read)

    def snapshots(self, store: str, group: Group) -> list[Snapshot]:
        """The snapshots of one backup group (any order), as the prune selection reads them."""

        def read() -> list[Snapshot]:
            params = {"ns": group.ns or None, "backup-type": group.type, "backup-id": group.id}
            data = self.client.get(api_path("admin", "datastore", store, "snapshots"), params).data
            return [
                Snapshot(int(item["backup-time"]), protected=bool(item.get("protected", False)))
                for item in (data if isinstance(data, list) else [])
                if isinstance(item, Mapping) and isinstance(item.get("backup-time"), int)
            ]

        return self._once(("snapshots", store, group.ns, group.name), read)

    def datastore_jobs(self, kind: str) -> list[dict[str, Any]]:
        """The prune (`kind` "prune") or verify ("verify") jobs configured on the server."""

        def read() -> list[dict[str, Any]]:
            data = self.client.get(api_path("config", kind)).data
            return [dict(i) for i in (data if isinstance(data, list) else []) if isinstance(i, Mapping)]

        return self._once(("datastore-jobs", kind), read)

    def _maybe(self, path: str) -> dict[str, Any] | None:
        try:
            data = self.client.get(path).data
        except NotFound:
            return None
        return dict(data) if isinstance(data, Mapping) else {}

    def user(self, userid: str) -> dict[str, Any] | None:
        return self._once(("user", userid), lambda: self._maybe(api_path("access", "users", userid)))

    def token(self, userid: str, token_name: str) -> dict[str, Any] | None:
        path = api_path("access", "users", userid, "token", token_name)
        return self._once(("token", userid, token_name), lambda: self._maybe(path))

    def remote(self, name: str) -> dict[str, Any] | None:
        return self._once(("remote", name), lambda: self._maybe(api_path("config", "remote", name)))

    def sync_job(self, job_id: str) -> dict[str, Any] | None:
        return self._once(("job", job_id), lambda: self._maybe(api_path("config", "sync", job_id)))
