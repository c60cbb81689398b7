"""``/nodes/{node}/status`` and the task endpoints ``/nodes/{node}/tasks/...``."""

from __future__ import annotations

import json
from typing import Any

from pbs_provider.pbs_types.rules import IntegerRule, StringRule
from pbs_sim import api_types, errors
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import is_token, user_of
from pbs_sim.models.permissions import Anybody, Privilege
from pbs_sim.models.tasks import Upid
from pbs_sim.routes.router import RawReply, Reply, Router
from pbs_sim.schema import BooleanSchema, IntegerSchema, ObjectSchema, Property, StringSchema
from pbs_sim.web.app import Context

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


def _check_task_access(ctx: Context, upid: Upid) -> None:
    caller = ctx.auth_id or ""
    task_owner = upid.auth_id
    if caller == task_owner or (is_token(task_owner) and user_of(task_owner) == caller):
        return
    perms = ctx.backend.perms
    if "Sys.Audit" in perms.lookup(caller, ["system", "tasks"]):
        return
    if upid.worker_type == "syncjob" and upid.worker_id:
        parts = upid.worker_id.split(":")
        if len(parts) >= 4:
            remote, remote_store, store = parts[0], parts[1], parts[2]
            ns = parts[3] if len(parts) == 5 else ""
            local = ["datastore", store, *[c for c in ns.split("/") if c]]
            if "Datastore.Backup" in perms.lookup(caller, local) and (
                remote == "-" or "Remote.Read" in perms.lookup(caller, ["remote", remote, remote_store])
            ):
                return
    raise ApiError(errors.TASK_ACCESS_NOT_ALLOWED)


def task_status(ctx: Context, params: dict[str, Any]) -> Reply:
    upid = Upid.parse(params["upid"])
    _check_task_access(ctx, upid)
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
    _check_task_access(ctx, upid)
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


def register(router: Router) -> None:
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
