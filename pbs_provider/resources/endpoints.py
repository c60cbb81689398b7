"""Where a PBS object lives in the API and how it is read, created, changed and deleted.

The provider machine is generic; an `Endpoint` binds it to one kind of PBS API. `ConfigCollection`
covers PBS's section-config objects (`/config/remote`, `/config/sync`, …): POST to the collection,
GET/PUT/DELETE on `<collection>/<key>`, digest-checked writes, `delete[]` for removed fields.
Objects with other shapes (tokens, ACL entries, namespaces) get their own `Endpoint` subclass.
Every HTTP detail stays in the client; this module only says which paths and bodies to use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pbs_provider.client import ApiResponse, NotFound, PbsClient, PermissionDenied, api_path
from pbs_provider.schemas.base import PbsObject

Change = Callable[[ApiResponse], Mapping[str, Any] | None]


class Endpoint:
    """How the machine reaches one kind of PBS object. Paths are built from the model's identity."""

    def read(self, client: PbsClient, ident: PbsObject) -> dict[str, Any]:
        """The object as PBS returns it (kebab-case keys); raises `NotFound` when it is gone."""
        raise NotImplementedError

    def facts(self, client: PbsClient, ident: PbsObject, current: Mapping[str, Any]) -> dict[str, Any]:
        """Read-only facts about the object from other endpoints (kebab-case keys)."""
        return {}

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
    """`/config/sync`, plus the job's schedule status from `GET /admin/sync` as facts."""

    def __init__(self) -> None:
        super().__init__("config", "sync")

    def facts(self, client: PbsClient, ident: PbsObject, current: Mapping[str, Any]) -> dict[str, Any]:
        wanted = [s.pbs_name for s in type(ident).output_only_specs() if s.pbs_name]
        params: dict[str, Any] = {"store": current.get("store")}
        # Push jobs are hidden unless asked for; pull is the default (and older PBS knows no other).
        if current.get("sync-direction") == "push":
            params["sync-direction"] = "push"
        try:
            listing = client.get("/admin/sync", params).data
        except (NotFound, PermissionDenied):
            return {}  # an older PBS or a token without audit rights: the facts are optional
        for item in listing if isinstance(listing, list) else []:
            if isinstance(item, Mapping) and item.get("id") == ident.key():
                return {name: item[name] for name in wanted if name in item}
        return {}
