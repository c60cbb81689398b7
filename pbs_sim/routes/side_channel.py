"""``/api2/json/_sim/...``: the simulator's own control surface (PBS has no such path).

Only ``root@pam`` and ``root@pam!<token>`` may use it. Requests to it are neither logged nor subject
to faults. Endpoints: ``requests`` (GET/DELETE), ``faults`` (GET/POST/DELETE), ``clock`` (GET/POST
``advance``), ``digest-race`` (POST ``file``), ``job-lock`` (POST ``id``, ``hold``), ``content`` (GET
``store``: dump backup content; POST ``spec``: seed it, JSON or YAML text, see ``models.seed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pbs_sim import api_types
from pbs_sim.errors import ApiError
from pbs_sim.models.permissions import Permission, PermissionResolver
from pbs_sim.models.seed import SeedError, apply_seed, dump_content, parse_seed_text
from pbs_sim.routes.router import Reply, Router
from pbs_sim.schema import BooleanSchema, IntegerSchema, NumberSchema, ObjectSchema, Property, StringSchema
from pbs_sim.web.app import Context, SimControl
from pbs_types.rules import IntegerRule, StringRule

NON_EMPTY = StringRule("non-empty", min_length=1)
SIDE_CHANNEL_PREFIX = "/api2/json/_sim"


class SimAdmin(Permission):
    def allows(self, auth_id: str | None, uri_params: Mapping[str, str], perms: PermissionResolver) -> bool:
        return auth_id is not None and (auth_id == "root@pam" or auth_id.startswith("root@pam!"))


def _control(ctx: Context) -> SimControl:
    assert ctx.control is not None
    return ctx.control


def get_requests(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(_control(ctx).requests.entries())


def clear_requests(ctx: Context, params: dict[str, Any]) -> Reply:
    _control(ctx).requests.clear()
    return Reply(None)


def list_faults(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(_control(ctx).faults.list())


def add_fault(ctx: Context, params: dict[str, Any]) -> Reply:
    fault = _control(ctx).faults.add(
        path=params["path"],
        method=params.get("method"),
        count=params.get("count", 1),
        status=params.get("status"),
        body=params.get("body", ""),
        delay=params.get("delay", 0.0),
        drop=params.get("drop"),
    )
    return Reply(fault.describe())


def clear_faults(ctx: Context, params: dict[str, Any]) -> Reply:
    _control(ctx).faults.clear()
    return Reply(None)


def get_clock(ctx: Context, params: dict[str, Any]) -> Reply:
    clock = ctx.backend.clock
    return Reply({"now": clock.epoch(), "offset": clock.offset})


def advance_clock(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.clock.advance(params["advance"])
    return get_clock(ctx, params)


def digest_race(ctx: Context, params: dict[str, Any]) -> Reply:
    files = ctx.backend.config_files()
    config = files.get(params["file"])
    if config is None:
        raise ApiError(f"unknown config file '{params['file']}' (known: {', '.join(sorted(files))})")
    config.force_digest_race()
    return Reply(None)


def job_lock(ctx: Context, params: dict[str, Any]) -> Reply:
    jobs = ctx.backend.jobs
    if params["hold"]:
        changed = jobs.hold("syncjob", params["id"])
    else:
        changed = jobs.release_hold("syncjob", params["id"])
    return Reply({"changed": changed})


def get_content(ctx: Context, params: dict[str, Any]) -> Reply:
    datastores = ctx.backend.datastores
    stores = [params["store"]] if "store" in params else None
    if stores is not None:
        datastores.require(params["store"])
    return Reply(dump_content(datastores, datastores.content, stores))


def seed_content(ctx: Context, params: dict[str, Any]) -> Reply:
    datastores = ctx.backend.datastores
    try:
        written = apply_seed(parse_seed_text(params["spec"]), datastores, datastores.content)
    except SeedError as exc:
        raise ApiError(f"invalid seed - {exc}") from None
    return Reply({"snapshots": written})


def register(router: Router) -> None:
    admin = SimAdmin()
    empty = ObjectSchema({})
    router.add("GET", "/_sim/requests", get_requests, empty, admin)
    router.add("DELETE", "/_sim/requests", clear_requests, empty, admin)
    router.add("GET", "/_sim/faults", list_faults, empty, admin)
    router.add(
        "POST",
        "/_sim/faults",
        add_fault,
        ObjectSchema(
            {
                "path": Property(StringSchema(NON_EMPTY), optional=False),
                "method": Property(StringSchema(enum=("GET", "POST", "PUT", "DELETE", "*"))),
                "count": Property(IntegerSchema(IntegerRule("count", minimum=1))),
                "status": Property(IntegerSchema(IntegerRule("status", minimum=100, maximum=599))),
                "body": Property(StringSchema()),
                "delay": Property(NumberSchema(minimum=0)),
                "drop": Property(StringSchema(enum=("before", "after"))),
            }
        ),
        admin,
    )
    router.add("DELETE", "/_sim/faults", clear_faults, empty, admin)
    router.add("GET", "/_sim/clock", get_clock, empty, admin)
    router.add(
        "POST",
        "/_sim/clock",
        advance_clock,
        ObjectSchema({"advance": Property(NumberSchema(), optional=False)}),
        admin,
    )
    router.add(
        "POST",
        "/_sim/digest-race",
        digest_race,
        ObjectSchema({"file": Property(StringSchema(NON_EMPTY), optional=False)}),
        admin,
    )
    router.add(
        "GET",
        "/_sim/content",
        get_content,
        ObjectSchema({"store": Property(api_types.DATASTORE_NAME)}),
        admin,
    )
    router.add(
        "POST",
        "/_sim/content",
        seed_content,
        ObjectSchema({"spec": Property(StringSchema(NON_EMPTY), optional=False)}),
        admin,
    )
    router.add(
        "POST",
        "/_sim/job-lock",
        job_lock,
        ObjectSchema(
            {
                "id": Property(api_types.JOB_ID, optional=False),
                "hold": Property(BooleanSchema(), optional=False),
            }
        ),
        admin,
    )
