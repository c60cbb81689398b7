"""``/admin/sync`` (job status and runs), ``/admin/datastore`` and namespaces."""

from __future__ import annotations

from typing import Any

from pbs_sim import api_types
from pbs_sim.models.permissions import Anybody
from pbs_sim.routes.router import Reply, Router
from pbs_sim.schema import BooleanSchema, ObjectSchema, Property
from pbs_sim.web.app import Context

STORE_PARAM = {"store": Property(api_types.DATASTORE_NAME, optional=False)}


def list_sync_status(ctx: Context, params: dict[str, Any]) -> Reply:
    jobs, digest = ctx.backend.sync.status_list(
        ctx.auth_id or "", params.get("store"), params.get("sync-direction", "pull")
    )
    return Reply(jobs, {"digest": digest})


def sync_subdirs(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply([{"subdir": "run"}])


def run_sync_job(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(ctx.backend.sync.run(ctx.auth_id or "", params["id"]))


def list_datastores(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(ctx.backend.datastores.list_admin(ctx.auth_id or ""))


def list_namespaces(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(
        ctx.backend.datastores.list_namespaces(
            ctx.auth_id or "", params["store"], params.get("parent"), params.get("max-depth")
        )
    )


def create_namespace(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(
        ctx.backend.datastores.create_namespace(
            ctx.auth_id or "", params["store"], params["name"], params.get("parent")
        )
    )


def delete_namespace(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(
        ctx.backend.datastores.delete_namespace(
            ctx.auth_id or "",
            params["store"],
            params["ns"],
            params.get("delete-groups", False),
            params.get("error-on-protected", True),
        )
    )


def register(router: Router) -> None:
    anybody = Anybody()
    router.add(
        "GET",
        "/admin/sync",
        list_sync_status,
        ObjectSchema(
            {
                "store": Property(api_types.DATASTORE_NAME),
                "sync-direction": Property(api_types.LIST_SYNC_DIRECTION, since=(3, 2, 11)),
            }
        ),
        anybody,
    )
    job_id = {"id": Property(api_types.JOB_ID, optional=False)}
    router.add("GET", "/admin/sync/{id}", sync_subdirs, ObjectSchema(job_id), anybody)
    router.add("POST", "/admin/sync/{id}/run", run_sync_job, ObjectSchema(job_id), anybody)

    router.add("GET", "/admin/datastore", list_datastores, ObjectSchema({}), anybody)
    ns_path = "/admin/datastore/{store}/namespace"
    router.add(
        "GET",
        ns_path,
        list_namespaces,
        ObjectSchema(
            {
                **STORE_PARAM,
                "parent": Property(api_types.NAMESPACE),
                "max-depth": Property(api_types.NS_MAX_DEPTH),
            }
        ),
        anybody,
    )
    router.add(
        "POST",
        ns_path,
        create_namespace,
        ObjectSchema(
            {
                **STORE_PARAM,
                "name": Property(api_types.NAMESPACE_COMPONENT, optional=False),
                "parent": Property(api_types.NAMESPACE),
            }
        ),
        anybody,
    )
    router.add(
        "DELETE",
        ns_path,
        delete_namespace,
        ObjectSchema(
            {
                **STORE_PARAM,
                "ns": Property(api_types.NAMESPACE, optional=False),
                "delete-groups": Property(BooleanSchema(default=False)),
                "error-on-protected": Property(BooleanSchema(default=True)),
            }
        ),
        anybody,
    )
