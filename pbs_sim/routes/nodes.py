"""``/nodes/{node}/status`` and the task endpoints ``/nodes/{node}/tasks/...``."""

from __future__ import annotations

import json
from typing import Any

from pbs_sim import api_types, errors
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import is_token, user_of
from pbs_sim.models.permissions import Anybody, Privilege
from pbs_sim.models.task_access import check_task_access, task_belongs_to_store
from pbs_sim.models.tasks import Upid
from pbs_sim.routes.router import RawReply, Reply, Router
from pbs_sim.schema import ArraySchema, BooleanSchema, IntegerSchema, ObjectSchema, Property, StringSchema
from pbs_sim.web.app import Context
from pbs_types.rules import IntegerRule, StringRule

NON_NEGATIVE = IntegerRule("line", minimum=0)
NODE_PARAM = {"node": Property(api_types.NODE, optional=False)}
UPID_PARAM = {"upid": Property(StringSchema(StringRule("UPID", max_length=256)), optional=False)}


def node_status(ctx: Context, params: dict[str, Any]) -> Reply:
    """A plausible ``NodeStatus``; ``info.fingerprint`` is the real certificate fingerprint."""
    gib = 1024**3
    uptime = max(0, ctx.backend.clock.epoch() - ctx.backend.started_at)
    return Reply(
        {
            "memory": {"total": 8 * gib, "used": 2 * gib, "free": 6 * gib},
            "swap": {"total": 2 * gib, "used": 0, "free": 2 * gib},
            "root": {"total": 100 * gib, "used": 10 * gib, "avail": 90 * gib},
            "uptime": uptime,
            "loadavg": [0.1, 0.05, 0.01],
            "kversion": "Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 x86_64",
            "current-kernel": {
                "sysname": "Linux",
                "release": "6.14.8-2-pve",
                "version": "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2",
                "machine": "x86_64",
            },
            "cpuinfo": {"model": "pbs_sim virtual CPU", "sockets": 1, "cpus": 2},
            "cpu": 0.01,
            "wait": 0.0,
            "info": {"fingerprint": ctx.backend.identity.fingerprint},
            "boot-info": {"mode": "efi", "secureboot": False},
        }
    )


def task_status(ctx: Context, params: dict[str, Any]) -> Reply:
    upid = Upid.parse(params["upid"])
    check_task_access(ctx.backend.perms, ctx.auth_id or "", upid)
    result: dict[str, Any] = {
        "upid": params["upid"],
        "node": upid.node,
        "pid": upid.pid,
        "pstart": upid.pstart,
        "starttime": upid.starttime,
        "type": upid.worker_type,
        "id": upid.worker_id,
        "user": user_of(upid.auth_id),
    }
    if is_token(upid.auth_id):
        result["tokenid"] = upid.auth_id.split("!", 1)[1]
    tasks = ctx.backend.tasks
    if tasks.is_active(params["upid"]):
        result["status"] = "running"
    else:
        state = tasks.state(upid)
        result["status"] = "stopped"
        result["exitstatus"] = str(state) if state is not None else "unknown"
        if state is not None and state.endtime > 0:
            result["endtime"] = state.endtime
    return Reply(result)


def task_log(ctx: Context, params: dict[str, Any]) -> RawReply:
    upid = Upid.parse(params["upid"])
    check_task_access(ctx.backend.perms, ctx.auth_id or "", upid)
    tasks = ctx.backend.tasks
    if params.get("download"):
        if any(k in params for k in ("start", "limit", "test-status")):
            raise ApiError(errors.DOWNLOAD_WITH_OTHER_PARAMS)
        text = "\n".join(tasks.read_log(upid)) + "\n"
        return RawReply(text.encode(), content_type="text/plain")
    start = params.get("start", 0)
    limit = params.get("limit", 50)
    read_until_end = limit == 0
    lines = []
    count = 0
    for line in tasks.read_log(upid):
        count += 1
        if count < start:
            continue
        if not read_until_end:
            if limit == 0:
                continue
            limit -= 1
        lines.append({"n": count, "t": line})
    payload: dict[str, Any] = {"data": lines, "total": count, "success": 1}
    if params.get("test-status"):
        payload["active"] = tasks.is_active(params["upid"])
    return RawReply(json.dumps(payload).encode(), content_type="application/json")


def list_tasks(ctx: Context, params: dict[str, Any]) -> Reply:
    """``GET /nodes/{node}/tasks``: newest first, PBS's filters and its ``total`` arithmetic."""
    caller = ctx.auth_id or ""
    backend = ctx.backend
    list_all = "Sys.Audit" in backend.perms.lookup(caller, ["system", "tasks"])
    start, limit = params.get("start", 0), params.get("limit", 50) or 2**63
    running, errors_only = params.get("running", False), params.get("errors", False)
    since, until = params.get("since"), params.get("until")
    statusfilter = params.get("statusfilter")
    result: list[dict[str, Any]] = []
    skipped = 0
    for text in backend.tasks.list_upids():
        upid = Upid.parse(text)
        state = None if backend.tasks.is_active(text) else backend.tasks.state(upid)
        if until is not None and upid.starttime > until:
            continue
        if since is not None:
            if state is not None and state.endtime < since:
                break
            if upid.starttime < since:
                continue
        if not list_all:
            try:
                check_task_access(backend.perms, caller, upid)
            except ApiError:
                continue
        if "userfilter" in params and params["userfilter"] not in upid.auth_id:
            continue
        if "store" in params and not task_belongs_to_store(upid, params["store"]):
            continue
        if "typefilter" in params and params["typefilter"] not in upid.worker_type:
            continue
        if state is not None and running:
            continue
        if state is not None and state.kind == "ok" and errors_only:
            continue
        if statusfilter is not None and (state is None or state.kind not in statusfilter):
            continue
        if skipped < start:
            skipped += 1
            continue
        item: dict[str, Any] = {
            "upid": text,
            "node": "localhost",
            "pid": upid.pid,
            "pstart": upid.pstart,
            "starttime": upid.starttime,
            "worker_type": upid.worker_type,
            "worker_id": upid.worker_id,
            "user": upid.auth_id,
        }
        if state is not None:
            item["endtime"] = state.endtime
            item["status"] = str(state)
        result.append(item)
        if len(result) >= limit:
            break
    total = len(result) + start + (1 if result and len(result) >= limit else 0)
    return Reply(result, {"total": total})


def register(router: Router) -> None:
    router.add(
        "GET",
        "/nodes/{node}/tasks",
        list_tasks,
        ObjectSchema(
            {
                **NODE_PARAM,
                "start": Property(IntegerSchema(NON_NEGATIVE, default=0)),
                "limit": Property(IntegerSchema(NON_NEGATIVE, default=50)),
                "store": Property(api_types.DATASTORE_NAME),
                "running": Property(BooleanSchema(default=False)),
                "errors": Property(BooleanSchema(default=False)),
                "userfilter": Property(StringSchema()),
                "since": Property(IntegerSchema()),
                "until": Property(IntegerSchema()),
                "typefilter": Property(StringSchema()),
                "statusfilter": Property(
                    ArraySchema(StringSchema(enum=("ok", "warning", "error", "unknown")))
                ),
            }
        ),
        Anybody(),
    )
    router.add(
        "GET",
        "/nodes/{node}/status",
        node_status,
        ObjectSchema(NODE_PARAM),
        Privilege(("system", "status"), ("Sys.Audit",)),
    )
    task_params = {**NODE_PARAM, **UPID_PARAM}
    router.add("GET", "/nodes/{node}/tasks/{upid}/status", task_status, ObjectSchema(task_params), Anybody())
    router.add(
        "GET",
        "/nodes/{node}/tasks/{upid}/log",
        task_log,
        ObjectSchema(
            {
                **task_params,
                "start": Property(IntegerSchema(NON_NEGATIVE, default=0)),
                "limit": Property(IntegerSchema(NON_NEGATIVE, default=50)),
                "download": Property(BooleanSchema(default=False)),
                "test-status": Property(BooleanSchema()),
            }
        ),
        Anybody(),
        query_only=True,
    )
