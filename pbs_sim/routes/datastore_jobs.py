"""``/config/prune``, ``/config/verify``, ``/admin/prune`` and ``/admin/verify``: one route set per kind.

Each kind has the same routes in PBS (`src/api2/config/prune.rs`, `verify.rs`, `src/api2/admin/prune.rs`,
`verify.rs`); the handlers only pick the kind's store (``ctx.backend.prune`` / ``ctx.backend.verify``) and
shape the answer. Prune jobs exist since PBS 2.2.2: older versions answer "not found".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pbs_sim import api_types
from pbs_sim.models.datastore_jobs import DatastoreJobStore
from pbs_sim.models.permissions import Anybody
from pbs_sim.routes.router import Reply, Router
from pbs_sim.schema import ObjectSchema, Property, Version
from pbs_sim.web.app import Context

ID_PARAM = {"id": Property(api_types.JOB_ID, optional=False)}
KINDS: dict[str, tuple[str, ObjectSchema, dict[str, Version | None], Version | None]] = {
    # path segment -> (backend attribute, config schema, deletable properties, first version)
    "prune": ("prune", api_types.PRUNE_JOB_CONFIG, api_types.PRUNE_DELETABLE, api_types.PRUNE_JOBS_SINCE),
    "verify": ("verify", api_types.VERIFY_JOB_CONFIG, api_types.VERIFY_DELETABLE, None),
}

Handler = Callable[[Context, dict[str, Any]], Reply]


def _handlers(attribute: str) -> dict[str, Handler]:
    def store(ctx: Context) -> DatastoreJobStore:
        return getattr(ctx.backend, attribute)

    def list_jobs(ctx: Context, params: dict[str, Any]) -> Reply:
        jobs, digest = store(ctx).list(ctx.auth_id or "")
        return Reply(jobs, {"digest": digest})

    def create(ctx: Context, params: dict[str, Any]) -> Reply:
        store(ctx).create(ctx.auth_id or "", params)
        return Reply(None)

    def read(ctx: Context, params: dict[str, Any]) -> Reply:
        job, digest = store(ctx).read(ctx.auth_id or "", params["id"])
        return Reply(job, {"digest": digest})

    def update(ctx: Context, params: dict[str, Any]) -> Reply:
        store(ctx).update(ctx.auth_id or "", params["id"], params)
        return Reply(None)

    def delete(ctx: Context, params: dict[str, Any]) -> Reply:
        store(ctx).delete(ctx.auth_id or "", params["id"], params.get("digest"))
        return Reply(None)

    def status(ctx: Context, params: dict[str, Any]) -> Reply:
        jobs, digest = store(ctx).status_list(ctx.auth_id or "", params.get("store"))
        return Reply(jobs, {"digest": digest})

    def subdirs(ctx: Context, params: dict[str, Any]) -> Reply:
        return Reply([{"subdir": "run"}])

    def run(ctx: Context, params: dict[str, Any]) -> Reply:
        return Reply(store(ctx).run(ctx.auth_id or "", params["id"]))

    return locals()


def register(router: Router) -> None:
    anybody = Anybody()
    for segment, (attribute, config, deletable, since) in KINDS.items():
        h = _handlers(attribute)
        update_schema = (
            config.all_optional()
            .extend(ID_PARAM)
            .extend({"delete": api_types.delete_property(deletable), "digest": api_types.digest_property()})
        )
        with_digest = ObjectSchema({**ID_PARAM, "digest": api_types.digest_property()})
        routes = [
            ("GET", f"/config/{segment}", h["list_jobs"], ObjectSchema({})),
            ("POST", f"/config/{segment}", h["create"], config),
            ("GET", f"/config/{segment}/{{id}}", h["read"], ObjectSchema(ID_PARAM)),
            ("PUT", f"/config/{segment}/{{id}}", h["update"], update_schema),
            ("DELETE", f"/config/{segment}/{{id}}", h["delete"], with_digest),
            (
                "GET",
                f"/admin/{segment}",
                h["status"],
                ObjectSchema({"store": Property(api_types.DATASTORE_NAME)}),
            ),
            ("GET", f"/admin/{segment}/{{id}}", h["subdirs"], ObjectSchema(ID_PARAM)),
            ("POST", f"/admin/{segment}/{{id}}/run", h["run"], ObjectSchema(ID_PARAM)),
        ]
        for method, path, handler, schema in routes:
            router.add(method, path, handler, schema, anybody, since=since)
