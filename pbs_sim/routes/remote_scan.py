"""``GET /config/remote/{name}/scan[/{store}[/namespaces|/groups]]`` (Remote.Audit on the remote)."""

from __future__ import annotations

from typing import Any

from pbs_sim import api_types
from pbs_sim.errors import ApiError
from pbs_sim.models.permissions import Privilege
from pbs_sim.routes.router import Reply, Router
from pbs_sim.schema import ObjectSchema, Property
from pbs_sim.web.app import Context

NAME = {"name": Property(api_types.REMOTE_ID, optional=False)}
STORE = {"store": Property(api_types.DATASTORE_NAME, optional=False)}


def _scanner(ctx: Context) -> Any:
    scanner = getattr(ctx.backend, "remote_scan", None)
    if scanner is None:  # a backend without a network (not started by pbs_sim.server)
        raise ApiError("remote scan not available", 500)
    return scanner


def scan_datastores(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(_scanner(ctx).datastores(params["name"]))


def scan_store_index(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply([{"subdir": "groups"}, {"subdir": "namespaces"}])


def scan_namespaces(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(_scanner(ctx).namespaces(params["name"], params["store"]))


def scan_groups(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(_scanner(ctx).groups(params["name"], params["store"], params.get("namespace")))


def register(router: Router) -> None:
    audit = Privilege(("remote", "{name}"), ("Remote.Audit",))
    base = "/config/remote/{name}/scan"
    router.add("GET", base, scan_datastores, ObjectSchema(NAME), audit)
    router.add("GET", f"{base}/{{store}}", scan_store_index, ObjectSchema({**NAME, **STORE}), audit)
    router.add("GET", f"{base}/{{store}}/namespaces", scan_namespaces, ObjectSchema({**NAME, **STORE}), audit)
    router.add(
        "GET",
        f"{base}/{{store}}/groups",
        scan_groups,
        ObjectSchema({**NAME, **STORE, "namespace": Property(api_types.NAMESPACE)}),
        audit,
    )
