"""``/config/remote``, ``/config/sync`` and ``/config/datastore``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pbs_sim import api_types
from pbs_sim.models.permissions import Anybody, Privilege
from pbs_sim.routes.router import Reply, Router
from pbs_sim.schema import BooleanSchema, ObjectSchema, Property, Version
from pbs_sim.web.app import Context

NAME_PARAM = {"name": Property(api_types.REMOTE_ID, optional=False)}
ID_PARAM = {"id": Property(api_types.JOB_ID, optional=False)}


# --- remotes -------------------------------------------------------------------------------------
def list_remotes(ctx: Context, params: dict[str, Any]) -> Reply:
    remotes, digest = ctx.backend.remotes.list(ctx.auth_id or "")
    return Reply(remotes, {"digest": digest})


def create_remote(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.remotes.create(params)
    return Reply(None)


def read_remote(ctx: Context, params: dict[str, Any]) -> Reply:
    remote, digest = ctx.backend.remotes.read(params["name"])
    return Reply(remote, {"digest": digest})


def update_remote(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.remotes.update(params["name"], params)
    return Reply(None)


def delete_remote(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.remotes.delete(params["name"], params.get("digest"), ctx.backend.sync.all_jobs())
    return Reply(None)


REMOTE_CREATE_SCHEMA = api_types.REMOTE_CONFIG.extend(
    {**NAME_PARAM, "password": Property(api_types.REMOTE_PASSWORD, optional=False)}
)
REMOTE_UPDATE_SCHEMA = (
    api_types.REMOTE_CONFIG.all_optional()
    .extend(NAME_PARAM)
    .extend(
        {
            "password": Property(api_types.REMOTE_PASSWORD),
            "delete": api_types.delete_property(api_types.REMOTE_DELETABLE),
            "digest": api_types.digest_property(),
        }
    )
)


# --- sync jobs -----------------------------------------------------------------------------------
def _sync_create_schema(version: Version) -> ObjectSchema:
    schema = api_types.SYNC_JOB_CONFIG
    if version < api_types.REMOTE_REQUIRED_BEFORE:
        remote = schema.properties["remote"]
        schema = schema.extend({"remote": replace(remote, optional=False)})
    return schema


SYNC_UPDATE_SCHEMA = (
    api_types.SYNC_JOB_CONFIG.all_optional()
    .extend(ID_PARAM)
    .extend(
        {
            "delete": api_types.delete_property(api_types.SYNC_DELETABLE),
            "digest": api_types.digest_property(),
        }
    )
)
SYNC_DIRECTION_FILTER = {"sync-direction": Property(api_types.LIST_SYNC_DIRECTION, since=(3, 2, 11))}


def list_sync_jobs(ctx: Context, params: dict[str, Any]) -> Reply:
    jobs, digest = ctx.backend.sync.list(ctx.auth_id or "", params.get("sync-direction", "pull"))
    return Reply(jobs, {"digest": digest})


def create_sync_job(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.sync.create(ctx.auth_id or "", params)
    return Reply(None)


def read_sync_job(ctx: Context, params: dict[str, Any]) -> Reply:
    job, digest = ctx.backend.sync.read(ctx.auth_id or "", params["id"])
    return Reply(job, {"digest": digest})


def update_sync_job(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.sync.update(ctx.auth_id or "", params["id"], params)
    return Reply(None)


def delete_sync_job(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.sync.delete(ctx.auth_id or "", params["id"], params.get("digest"))
    return Reply(None)


# --- datastores ----------------------------------------------------------------------------------
DATASTORE_NAME_PARAM = {"name": Property(api_types.DATASTORE_NAME, optional=False)}


def list_datastore_config(ctx: Context, params: dict[str, Any]) -> Reply:
    stores, digest = ctx.backend.datastores.list_config(ctx.auth_id or "")
    return Reply(stores, {"digest": digest})


def read_datastore(ctx: Context, params: dict[str, Any]) -> Reply:
    store, digest = ctx.backend.datastores.read_config(params["name"])
    return Reply(store, {"digest": digest})


def create_datastore(ctx: Context, params: dict[str, Any]) -> Reply:
    params.pop("reuse-datastore", None)
    params.pop("overwrite-in-use", None)
    ctx.backend.datastores.create(params)
    upid = ctx.backend.tasks.spawn(
        "create-datastore",
        params["name"],
        ctx.auth_id or "",
        lambda worker: worker.log(f"Chunkstore create: {params['path']}"),
    )
    return Reply(upid)


def delete_datastore(ctx: Context, params: dict[str, Any]) -> Reply:
    name = params["name"]
    keep = params.get("keep-job-configs", False)
    ctx.backend.datastores.delete(name, params.get("digest"), keep, params.get("destroy-data", False))
    if not keep:
        for jobs in (ctx.backend.sync, ctx.backend.prune, ctx.backend.verify):
            jobs.delete_for_store(name)
    upid = ctx.backend.tasks.spawn(
        "delete-datastore", name, ctx.auth_id or "", lambda worker: worker.log(f"removed datastore '{name}'")
    )
    return Reply(upid)


def register(router: Router) -> None:
    anybody = Anybody()
    router.add("GET", "/config/remote", list_remotes, ObjectSchema({}), anybody)
    router.add(
        "POST",
        "/config/remote",
        create_remote,
        REMOTE_CREATE_SCHEMA,
        Privilege(("remote",), ("Remote.Modify",)),
    )
    router.add(
        "GET",
        "/config/remote/{name}",
        read_remote,
        ObjectSchema(NAME_PARAM),
        Privilege(("remote", "{name}"), ("Remote.Audit",)),
    )
    router.add(
        "PUT",
        "/config/remote/{name}",
        update_remote,
        REMOTE_UPDATE_SCHEMA,
        Privilege(("remote", "{name}"), ("Remote.Modify",)),
    )
    router.add(
        "DELETE",
        "/config/remote/{name}",
        delete_remote,
        ObjectSchema({**NAME_PARAM, "digest": api_types.digest_property()}),
        Privilege(("remote", "{name}"), ("Remote.Modify",)),
    )

    router.add("GET", "/config/sync", list_sync_jobs, ObjectSchema(SYNC_DIRECTION_FILTER), anybody)
    router.add("POST", "/config/sync", create_sync_job, _sync_create_schema, anybody)
    router.add("GET", "/config/sync/{id}", read_sync_job, ObjectSchema(ID_PARAM), anybody)
    router.add("PUT", "/config/sync/{id}", update_sync_job, SYNC_UPDATE_SCHEMA, anybody)
    router.add(
        "DELETE",
        "/config/sync/{id}",
        delete_sync_job,
        ObjectSchema({**ID_PARAM, "digest": api_types.digest_property()}),
        anybody,
    )

    router.add("GET", "/config/datastore", list_datastore_config, ObjectSchema({}), anybody)
    router.add(
        "POST",
        "/config/datastore",
        create_datastore,
        api_types.DATASTORE_CONFIG.extend(
            {
                "reuse-datastore": Property(BooleanSchema(default=False)),
                "overwrite-in-use": Property(BooleanSchema(default=False)),
            }
        ),
        Privilege(("datastore",), ("Datastore.Allocate",)),
    )
    router.add(
        "GET",
        "/config/datastore/{name}",
        read_datastore,
        ObjectSchema(DATASTORE_NAME_PARAM),
        Privilege(("datastore", "{name}"), ("Datastore.Audit",)),
    )
    router.add(
        "DELETE",
        "/config/datastore/{name}",
        delete_datastore,
        ObjectSchema(
            {
                **DATASTORE_NAME_PARAM,
                "keep-job-configs": Property(BooleanSchema(default=False)),
                "destroy-data": Property(BooleanSchema(default=False)),
                "digest": api_types.digest_property(),
            }
        ),
        Privilege(("datastore", "{name}"), ("Datastore.Allocate",)),
    )
