"""Datastore content: ``/admin/datastore/{store}/groups`` and ``/snapshots`` (GET, DELETE), and the
simulator's stand-ins for PBS's two HTTP/2 protocols, ``GET /reader`` (returns a snapshot's manifest)
and ``POST /backup`` (stores one). Both need PBS's ``Upgrade`` header; see ``models.content_access``."""

from __future__ import annotations

from typing import Any

from pbs_sim import api_types
from pbs_sim.models.backups import BACKUP_TYPES, BackupGroup
from pbs_sim.models.permissions import Anybody
from pbs_sim.routes.router import Reply, Router
from pbs_sim.schema import BooleanSchema, IntegerSchema, ObjectSchema, Property, StringSchema
from pbs_sim.web.app import Context
from pbs_types import ids
from pbs_types.rules import IntegerRule

BACKUP_TYPE = StringSchema(enum=BACKUP_TYPES)
BACKUP_ID = StringSchema(ids.BACKUP_ID_RULE)
BACKUP_TIME = IntegerSchema(IntegerRule("Backup time (Unix epoch.)", minimum=1))
STORE = {"store": Property(api_types.DATASTORE_NAME, optional=False)}
NS = {"ns": Property(api_types.NAMESPACE)}
GROUP = {
    "backup-type": Property(BACKUP_TYPE, optional=False),
    "backup-id": Property(BACKUP_ID, optional=False),
}
SNAPSHOT = {**GROUP, "backup-time": Property(BACKUP_TIME, optional=False)}


def _group(params: dict[str, Any]) -> BackupGroup:
    return BackupGroup(params["backup-type"], params["backup-id"])


def list_groups(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(ctx.backend.content.list_groups(ctx.auth_id or "", params["store"], params.get("ns")))


def delete_group(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(
        ctx.backend.content.delete_group(
            ctx.auth_id or "",
            params["store"],
            params.get("ns"),
            _group(params),
            params.get("error-on-protected", True),
        )
    )


def list_snapshots(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(
        ctx.backend.content.list_snapshots(
            ctx.auth_id or "",
            params["store"],
            params.get("ns"),
            params.get("backup-type"),
            params.get("backup-id"),
        )
    )


def delete_snapshot(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.content.delete_snapshot(
        ctx.auth_id or "", params["store"], params.get("ns"), _group(params), params["backup-time"]
    )
    return Reply(None)


def reader(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(
        ctx.backend.content.read_snapshot(
            ctx.auth_id or "",
            params["store"],
            params.get("ns"),
            _group(params),
            params["backup-time"],
            ctx.request.headers.get("upgrade"),
        )
    )


def backup(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.content.write_snapshot(
        ctx.auth_id or "",
        params["store"],
        params.get("ns"),
        _group(params),
        params["backup-time"],
        params["manifest"],
        ctx.request.headers.get("upgrade"),
        ctx.request.client[0],
    )
    return Reply(None)


def register(router: Router) -> None:
    anybody = Anybody()
    groups = "/admin/datastore/{store}/groups"
    snapshots = "/admin/datastore/{store}/snapshots"
    protected = {"error-on-protected": Property(BooleanSchema(default=True))}
    router.add("GET", groups, list_groups, ObjectSchema({**STORE, **NS}), anybody)
    router.add("DELETE", groups, delete_group, ObjectSchema({**STORE, **NS, **GROUP, **protected}), anybody)
    router.add(
        "GET",
        snapshots,
        list_snapshots,
        ObjectSchema({**STORE, **NS, "backup-type": Property(BACKUP_TYPE), "backup-id": Property(BACKUP_ID)}),
        anybody,
    )
    router.add("DELETE", snapshots, delete_snapshot, ObjectSchema({**STORE, **NS, **SNAPSHOT}), anybody)
    debug = {"debug": Property(BooleanSchema(default=False))}
    router.add(
        "GET", "/reader", reader, ObjectSchema({**STORE, **NS, **SNAPSHOT, **debug}), anybody, query_only=True
    )
    router.add(
        "POST",
        "/backup",
        backup,
        ObjectSchema(
            {
                **STORE,
                **NS,
                **SNAPSHOT,
                **debug,
                "benchmark": Property(BooleanSchema(default=False)),
                "no-cache": Property(BooleanSchema(default=False)),
                "manifest": Property(StringSchema(), optional=False),
            }
        ),
        anybody,
    )
