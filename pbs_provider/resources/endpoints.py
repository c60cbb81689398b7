"""Where a PBS object lives in the API and how it is read, created, changed and deleted.

The provider machine is generic; an `Endpoint` binds it to one kind of PBS API. `ConfigCollection`
covers PBS's section-config objects (`/config/remote`, `/config/sync`, …): POST to the collection,
GET/PUT/DELETE on `<collection>/<key>`, digest-checked writes, `delete[]` for removed fields.
Objects with other shapes get their own `Endpoint` subclass: `UserCollection` (password changes
via `/access/password`), `ApiTokenEndpoint` (the secret revealed once), `AclEndpoint` (entries
without ids, boolean `delete`) and `NamespaceEndpoint` (parents created in order).
Every HTTP detail stays in the client; this module only says which paths and bodies to use.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from pbs_provider.client import (
    AlreadyExists,
    ApiResponse,
    NotFound,
    PbsClient,
    PbsError,
    PermissionDenied,
    api_path,
)
from pbs_provider.client.errors import hint_permission
from pbs_provider.schemas.base import PbsObject
from pbs_types.ids import ROOT_USERID, namespace_depth, parse_authid

Change = Callable[[ApiResponse], Mapping[str, Any] | None]


class Endpoint:
    """How the machine reaches one kind of PBS object. Paths are built from the model's identity."""

    def read(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        """The object as PBS returns it (kebab-case keys); raises `NotFound` when it is gone."""
        raise NotImplementedError

    def refresh(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        """The object for `pulumi refresh`: what `read` returns plus read-only facts PBS reports
        elsewhere (status); raises `NotFound` when it is gone."""
        return self.read(client, ident)

    def create(self, client: PbsClient, ident: PbsObject, body: Mapping[str, Any]) -> ApiResponse:
        """Create the object; raises `AlreadyExists` when its id is taken."""
        raise NotImplementedError

    def modify(self, client: PbsClient, ident: PbsObject, change: Change) -> ApiResponse | None:
        """Digest-safe read-modify-write: `change(current)` returns the body, or None for nothing."""
        raise NotImplementedError

    def delete(self, client: PbsClient, ident: PbsObject) -> None:
        """Delete the object; an object that is already gone counts as deleted."""
        raise NotImplementedError

    def revealed(self, answer: ApiResponse | None) -> dict[str, Any]:
        """Facts PBS reveals only in the answer to a write (`once` fields, kebab-case keys),
        e.g. a new token's secret; nothing by default."""
        return {}

    def trigger(self, client: PbsClient, ident: PbsObject, body: Mapping[str, Any]) -> ApiResponse | None:
        """Send a trigger's request (`{"regenerate": true}`): a digest-checked write of `body`."""
        return self.modify(client, ident, lambda _current: dict(body))


class ConfigCollection(Endpoint):
    """A section-config collection such as `/config/remote`: one object per `<collection>/<key>`."""

    def __init__(self, *segments: str) -> None:
        self.segments = segments

    def collection_path(self) -> str:
        return api_path(*self.segments)

    def item_path(self, ident: PbsObject) -> str:
        return api_path(*self.segments, ident.key())

    def read(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        data = client.get(self.item_path(ident)).data
        return dict(data) if isinstance(data, Mapping) else {}

    def create(self, client: PbsClient, ident: PbsObject, body: Mapping[str, Any]) -> ApiResponse:
        item = self.item_path(ident)
        return client.create(self.collection_path(), body, exists=lambda: client.exists(item))

    def modify(self, client: PbsClient, ident: PbsObject, change: Change) -> ApiResponse | None:
        return client.modify(self.item_path(ident), change)

    def delete(self, client: PbsClient, ident: PbsObject) -> None:
        client.delete(self.item_path(ident), missing_ok=True)


class SyncJobCollection(ConfigCollection):
    """`/config/sync`; a refresh reads the job from `GET /admin/sync` instead, which has every config
    field plus the schedule status (`next-run`, `last-run-*`).

    That listing covers all jobs of a datastore, so one answer serves the refresh of every job on
    that store: it is kept per (server, store), fetched once even when the plugin's threads ask
    together, and dropped by any write of this process to a sync job. The engine starts a plugin
    per deployment, so a `pulumi refresh` reads one consistent snapshot per datastore: N jobs cost
    one request per datastore, not N listings of N jobs. `STATUS_TTL` bounds the age of a snapshot
    for a process that lives longer.
    """

    STATUS_TTL = 60.0

    def __init__(self) -> None:
        super().__init__("config", "sync")
        self._listings: dict[tuple[str, str], tuple[float, dict[str, dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def refresh(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        store = str(ident.get("store"))
        try:
            listed = self._listing(client, store).get(ident.key())
        except (NotFound, PermissionDenied):
            listed = None  # an older PBS or no audit right on the listing: the item alone will do
        if listed is not None:
            return dict(listed)
        return self.read(client, ident)  # moved to another store, hidden, or gone (NotFound)

    def _listing(self, client: PbsClient, store: str) -> dict[str, dict[str, Any]]:
        key = (client.name, store)
        with self._lock:  # one fetch per key at a time; PBS answers quickly, so holding it is fine
            cached = self._listings.get(key)
            if cached is not None and time.monotonic() - cached[0] < self.STATUS_TTL:
                return cached[1]
            data = client.get("/admin/sync", {"store": store}).data  # the client adds sync-direction=all
            jobs = {
                str(item["id"]): dict(item)
                for item in (data if isinstance(data, list) else [])
                if isinstance(item, Mapping) and "id" in item
            }
            self._listings[key] = (time.monotonic(), jobs)
            return jobs

    def _forget(self, client: PbsClient) -> None:
        with self._lock:
            for key in [k for k in self._listings if k[0] == client.name]:
                del self._listings[key]

    def create(self, client: PbsClient, ident: PbsObject, body: Mapping[str, Any]) -> ApiResponse:
        self._forget(client)
        return super().create(client, ident, body)

    def modify(self, client: PbsClient, ident: PbsObject, change: Change) -> ApiResponse | None:
        self._forget(client)
        return super().modify(client, ident, change)

    def delete(self, client: PbsClient, ident: PbsObject) -> None:
        self._forget(client)
        super().delete(client, ident)


class UserCollection(ConfigCollection):
    """`/access/users`. PBS ignores `password` on `PUT /access/users/{userid}`: a changed password
    goes to `PUT /access/password`, which PBS refuses to API tokens (only a password login may)."""

    def __init__(self) -> None:
        super().__init__("access", "users")

    def modify(self, client: PbsClient, ident: PbsObject, change: Change) -> ApiResponse | None:
        password: list[str] = []

        def without_password(current: ApiResponse) -> Mapping[str, Any] | None:
            body = change(current)
            if body is None:
                return None
            rest = dict(body)
            new = rest.pop("password", None)
            password[:] = [] if new is None else [new]
            if new is not None:
                self._check_password_login(client)  # before anything is written
            return rest or None

        written = client.modify(self.item_path(ident), without_password)
        if not password:
            return written
        body = {"userid": ident.key(), "password": password[0]}
        login = parse_authid(client.server.auth_id)
        if login.userid != ROOT_USERID:  # PBS wants the caller's own password as confirmation
            body["confirmation-password"] = client.server.secret.get_secret_value()
        return client.update("/access/password", body)

    @staticmethod
    def _check_password_login(client: PbsClient) -> None:
        if parse_authid(client.server.auth_id).is_token:
            raise PbsError(
                f"PBS lets only a password login change a user's password (`PUT /access/password` "
                f"refuses API tokens), and server `{client.name}` is reached with the API token "
                f"`{client.server.auth_id}`",
                hint="change the password on the PBS itself (GUI: Configuration > Access Control > User "
                "Management > Password), then put the new one in the stack config; or manage users of "
                f"server `{client.name}` with a password login (`authId: root@pam`)",
            )


class ApiTokenEndpoint(Endpoint):
    """`/access/users/{userid}/token/{token-name}`. The secret is in the answer to the POST
    (`value`) or to `PUT … regenerate=true` (`secret`), nowhere else."""

    def item_path(self, ident: PbsObject) -> str:
        return api_path("access", "users", str(ident.get("userid")), "token", str(ident.get("token_name")))

    def read(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        data = client.get(self.item_path(ident)).data
        found = dict(data) if isinstance(data, Mapping) else {}
        # the identity is in the path, not in the answer (which has `tokenid` = `<userid>!<name>`)
        return {"userid": ident.get("userid"), "token-name": ident.get("token_name"), **found}

    def create(self, client: PbsClient, ident: PbsObject, body: Mapping[str, Any]) -> ApiResponse:
        item = self.item_path(ident)
        fields = {k: v for k, v in body.items() if k not in ("userid", "token-name")}  # path parameters
        answer = client.create(item, fields, exists=lambda: client.exists(item))
        if answer.ambiguous:  # it landed, but its answer - the only copy of the secret - was lost
            return client.modify(item, lambda _current: {"regenerate": True}) or answer
        return answer

    def modify(self, client: PbsClient, ident: PbsObject, change: Change) -> ApiResponse | None:
        return client.modify(self.item_path(ident), change)

    def delete(self, client: PbsClient, ident: PbsObject) -> None:
        client.delete(self.item_path(ident), missing_ok=True)

    def revealed(self, answer: ApiResponse | None) -> dict[str, Any]:
        data = answer.data if answer is not None and isinstance(answer.data, Mapping) else {}
        secret = data.get("value", data.get("secret"))  # `value` on create, `secret` on regenerate
        return {"secret": secret} if isinstance(secret, str) else {}


class AclEndpoint(Endpoint):
    """`/access/acl`: an entry is (path, auth-id, role); `PUT` adds or, with `delete=true` (a
    boolean here, unlike config `delete[]`), removes it. Read with `GET ?path=…&exact=1`."""

    PATH = "/access/acl"

    @staticmethod
    def _identity(ident: PbsObject) -> dict[str, Any]:
        return {"path": ident.get("path"), "auth-id": ident.get("auth_id"), "role": ident.get("role")}

    def _params(self, ident: PbsObject) -> dict[str, Any]:
        return {"path": ident.get("path"), "exact": True}

    def _entry(self, data: Any, ident: PbsObject) -> dict[str, Any]:
        want = self._identity(ident)
        for item in data if isinstance(data, list) else []:
            if (
                isinstance(item, Mapping)
                and item.get("ugid_type") == "user"
                and (item.get("path"), item.get("ugid"), item.get("roleid"))
                == (want["path"], want["auth-id"], want["role"])
            ):
                return {**want, "propagate": item.get("propagate")}
        raise NotFound(
            f"no ACL entry grants role '{want['role']}' to '{want['auth-id']}' on '{want['path']}'"
        )

    def read(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        data = client.get(self.PATH, self._params(ident)).data
        try:
            return self._entry(data, ident)
        except NotFound:
            self._visible(client, ident)
            raise

    @staticmethod
    def _visible(client: PbsClient, ident: PbsObject) -> None:
        """PBS lists only the caller's own entries to a caller without Sys.Audit on /access/acl
        (`read_acl` in `src/api2/access/acl.rs`): another identity's entry missing from that
        answer is unknown, not gone. Raises `PermissionDenied` in that case."""
        own = str(ident.get("auth_id"))
        caller = client.auth_id
        if own == caller:
            return
        data = client.get("/access/permissions", {"path": "/access/acl"}).data
        held = data.get("/access/acl", {}) if isinstance(data, Mapping) else {}
        if not (isinstance(held, Mapping) and held.get("Sys.Audit")):
            raise PermissionDenied(
                f"'{caller}' cannot see ACL entries of '{own}': PBS lists only the caller's own "
                "entries without Sys.Audit on /access/acl",
                hint=hint_permission(caller, "Sys.Audit on /access/acl"),
            )

    def create(self, client: PbsClient, ident: PbsObject, body: Mapping[str, Any]) -> ApiResponse:
        try:
            self.read(client, ident)
        except NotFound:
            return client.update(self.PATH, body)
        want = self._identity(ident)
        raise AlreadyExists(f"'{want['auth-id']}' already has role '{want['role']}' on '{want['path']}'")

    def modify(self, client: PbsClient, ident: PbsObject, change: Change) -> ApiResponse | None:
        def on_current(current: ApiResponse) -> Mapping[str, Any] | None:
            body = change(ApiResponse(self._entry(current.data, ident), current.digest))
            return None if body is None else {**self._identity(ident), **body}

        return client.modify(self.PATH, on_current, read_params=self._params(ident))

    def delete(self, client: PbsClient, ident: PbsObject) -> None:
        client.update(self.PATH, {**self._identity(ident), "delete": True})  # PBS: gone is fine


class NamespaceEndpoint(Endpoint):
    """`/admin/datastore/{store}/namespace`: POST one level (`name` below `parent`), DELETE by
    `ns`; existence is read from the listing (anchored at the root, which always exists)."""

    @staticmethod
    def _path(ident: PbsObject) -> str:
        return api_path("admin", "datastore", str(ident.get("store")), "namespace")

    def _existing(self, client: PbsClient, ident: PbsObject, max_depth: int | None = None) -> set[str]:
        params = {"max-depth": max_depth} if max_depth is not None else None
        data = client.get(self._path(ident), params).data
        return (
            {str(item.get("ns")) for item in data if isinstance(item, Mapping)}
            if isinstance(data, list)
            else set()
        )

    def read(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        ns = str(ident.get("ns"))
        if ns not in self._existing(client, ident, namespace_depth(ns)):
            raise NotFound(f"no namespace '{ns}' in datastore '{ident.get('store')}'")
        return {"store": ident.get("store"), "ns": ns}

    def create(self, client: PbsClient, ident: PbsObject, body: Mapping[str, Any]) -> ApiResponse:
        ns = str(ident.get("ns"))
        existing = self._existing(client, ident, namespace_depth(ns))
        if ns in existing:
            raise AlreadyExists(f"namespace '{ns}' already exists in datastore '{ident.get('store')}'")
        parents = ns.split("/")[:-1]
        created = []
        for depth in range(1, len(parents) + 1):
            parent = "/".join(parents[:depth])
            if parent not in existing:
                self._create_one(client, ident, parent)
                created.append(parent)
        self._create_one(client, ident, ns)
        return ApiResponse({"ns": ns, "created-parents": created})

    def _create_one(self, client: PbsClient, ident: PbsObject, ns: str) -> None:
        parent, _, name = ns.rpartition("/")
        client.create(
            self._path(ident),
            {"name": name, "parent": parent or None},
            exists=lambda: ns in self._existing(client, ident, namespace_depth(ns)),
        )

    def modify(self, client: PbsClient, ident: PbsObject, change: Change) -> ApiResponse | None:
        if change(ApiResponse(self.read(client, ident))) is not None:  # every PBS field is identity
            raise PbsError(f"namespace '{ident.get('ns')}' has no settings PBS could change")
        return None

    def delete(self, client: PbsClient, ident: PbsObject) -> None:
        ns = str(ident.get("ns"))
        if ns in self._existing(client, ident, namespace_depth(ns)):
            params: dict[str, Any] = {"ns": ns}
            if ident.get("delete_groups"):
                params["delete-groups"] = True
            try:
                client.delete(self._path(ident), params)
            except PbsError as error:
                if "delete-groups" not in error.message:
                    raise
                if ident.get("keep_if_not_empty"):
                    print(  # the Pulumi CLI shows a dynamic provider's stderr as an info message
                        f"namespace {ident.get('store')}:{ns} on server {ident.get('server')} still holds "
                        "backup groups: kept with them (keepIfNotEmpty)",
                        file=sys.stderr,
                    )
                    return  # its parents still hold it: nothing more to remove
                error.hint = (
                    "the namespace (or one below it) still holds backup groups: move or delete them, "
                    "or set `deleteGroups: true` on the namespace to delete them with it"
                )
                raise
        for parent in reversed(ident.get("created_parents") or []):  # innermost first
            remaining = self._existing(client, ident)
            if parent not in remaining or any(other.startswith(f"{parent}/") for other in remaining):
                continue  # gone already, or still holds other namespaces: keep it
            try:
                client.delete(self._path(ident), {"ns": parent})
            except PbsError as error:
                if "delete-groups" not in error.message:
                    raise  # a parent that holds backups is kept; anything else is a failure

    def revealed(self, answer: ApiResponse | None) -> dict[str, Any]:
        data = answer.data if answer is not None and isinstance(answer.data, Mapping) else {}
        return {"created-parents": data["created-parents"]} if "created-parents" in data else {}
