"""The faults of the matrix, and how to tell that one really hit the operation.

Each `FaultSpec.arm(world, res, op)` prepares one fault for operation `op` on the stack's resource
`res` (most faults aim at the operation's request, `res.requests[op]`) and returns a `Probe` whose
`exercised()` says afterwards whether the fault reached the operation. `FaultSpec.before_chain`
and `before_operation` prepare what a fault needs for the whole chain (a clock skew) or once per
operation (a preview, then the deploy token's ACL removed).
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .world import ACL_ENTRY, API_TOKEN, REMOTE, SYNC_JOB, USER, Kind, World

if TYPE_CHECKING:
    from .stack_under_test import Managed

TICKET_LIFETIME = 7200
"""PBS's ticket lifetime (`proxmox-auth-api`: 2 h)."""
SKEW = TICKET_LIFETIME + 900
"""The clock skew chain: PBS's clock runs this many seconds (2 h 15 min) ahead of the deploy host."""
OTHER_CLIENT = ("root@pam!other-client", "5d0c2a8e-0000-4000-8000-0000000c11e7")
"""The other client's own token (so that the request log tells its requests apart)."""
DEPLOY_TOKEN = ("root@pam!deploy", "7a1f3b9c-0000-4000-8000-00000000de91")
"""The token the `deploy ACL removed` chain deploys with (Admin on `/` until the fault removes it)."""
READ_TIMEOUT = 1.0
"""The servers entry's `readTimeout` in the `delay past read timeout` chain (seconds)."""
HOLD_LIMIT = 20.0
"""Upper bound for holding a request in the late-answer fault (the client retries long before)."""


@dataclass
class Probe:
    exercised: Callable[[], bool]
    cleanup: Callable[[], None] = field(default=lambda: None)


def _requests(world: World, method: str, pattern: str) -> list[dict]:
    return [
        e
        for e in world.sim.request_log()
        if e["method"] == method and fnmatch.fnmatchcase(e["path"], pattern)
    ]


Arm = Callable[[World, "Managed", str], Probe]


@dataclass(frozen=True)
class FaultSpec:
    name: str
    arm: Arm
    password_auth: bool = False
    read_timeout: float | None = None
    token: tuple[str, str] | None = None
    """Deploy with this token (id, secret) instead of the simulator's admin token."""
    before_chain: Callable[[World], None] = field(default=lambda world: None)
    before_operation: Callable[[World], Callable[[], None]] = field(default=lambda world: lambda: None)
    """Called before each operation's verb; returns what undoes it once the verb ran."""


def _targeted(arm: Callable[[World, Kind, str, str, str], Probe]) -> Arm:
    """A fault aimed at the operation's request (method, path pattern) of `res`."""

    def at_request(world: World, res: Managed, op: str) -> Probe:
        method, pattern = res.requests[op]
        return arm(world, res.kind, method, pattern, res.key)

    return at_request


def _injected(**fault: object) -> Arm:
    def arm(world: World, kind: Kind, method: str, pattern: str, key: str) -> Probe:
        fault_id = world.sim.inject_fault(method=method, path=pattern, count=1, **fault)["id"]  # type: ignore[arg-type]
        return Probe(lambda: fault_id in world.hooks.consumed)

    return _targeted(arm)


def _ticket_expiry(world: World, kind: Kind, method: str, pattern: str, key: str) -> Probe:
    """The ticket expires while the operation runs: just before its request is handled."""
    backend = world.sim.simulator.backend
    assert backend is not None
    entry = world.hooks.on_request(method, pattern, lambda: backend.clock.advance(TICKET_LIFETIME + 1))
    return Probe(
        lambda: entry.fired > 0 and any(e["status"] == 401 for e in _requests(world, method, pattern))
    )


def _late_answer(world: World, kind: Kind, method: str, pattern: str, key: str) -> Probe:
    """The answer to the request comes after the client's read timeout: PBS holds the request
    until the client sends its next attempt, then lands it just before that attempt (the worst
    order for a client that checks "did it land?" in between). Waits are bounded."""
    released, landed = threading.Event(), threading.Event()
    arrivals = itertools.count(1)

    def arrive() -> None:
        if next(arrivals) == 1:
            released.wait(HOLD_LIMIT)
        else:
            released.set()
            landed.wait(HOLD_LIMIT)

    first = world.hooks.on_request(method, pattern, arrive, times=2)
    world.hooks.on_handled(method, pattern, landed.set, times=1)
    return Probe(lambda: first.fired >= 2, released.set)


_edits = itertools.count(1)


def _foreign_edit(world: World, kind: Kind) -> None:
    """Another client (its own session) changes an unrelated object in the config file that
    `kind` lives in; the change is recorded so that the audit can check it survived."""
    n = next(_edits)
    comment = f"edited by another client #{n}"
    if kind is REMOTE:
        request = ("PUT", "/config/remote/other-remote", {"comment": comment})
        listing, want = "/config/remote", {"name": "other-remote", "comment": comment}
    elif kind is SYNC_JOB:
        request = ("PUT", "/config/sync/other-job", {"comment": comment})
        listing, want = "/config/sync?sync-direction=all", {"id": "other-job", "comment": comment}
    elif kind is USER:
        request = ("PUT", "/access/users/other@pbs", {"comment": comment})
        listing, want = "/access/users", {"userid": "other@pbs", "comment": comment}
    elif kind is API_TOKEN:  # tokens live in user.cfg too
        request = ("PUT", "/access/users/other@pbs/token/other", {"comment": comment})
        listing, want = "/access/users/other@pbs/token", {"tokenid": "other@pbs!other", "comment": comment}
    elif kind is ACL_ENTRY:
        path = f"/datastore/offsite/other-{n}"
        request = ("PUT", "/access/acl", {"path": path, "auth-id": "other@pbs", "role": "DatastoreAudit"})
        listing, want = "/access/acl", {"path": path, "ugid": "other@pbs", "roleid": "DatastoreAudit"}
    else:  # a namespace next to the stack's one
        request = ("POST", "/admin/datastore/store1/namespace", {"name": f"other-{n}"})
        listing, want = "/admin/datastore/store1/namespace", {"ns": f"other-{n}"}
    method, path, body = request
    session = world.sim.new_session(auth=None)
    session.headers["Authorization"] = f"PBSAPIToken={OTHER_CLIENT[0]}:{OTHER_CLIENT[1]}"
    try:
        session.request(method, f"{world.sim.url}/api2/json{path}", json=body, timeout=30).raise_for_status()
    finally:
        session.close()

    def check() -> bool:
        return any(all(item.get(k) == v for k, v in want.items()) for item in _data(world, listing))

    world.foreign_edits.append((kind.name, f"other object #{n}", check))


def _data(world: World, path: str) -> list[dict]:
    response = world.sim.api("GET", path)
    response.raise_for_status()
    return response.json()["data"]


def _concurrent_writer(world: World, kind: Kind, method: str, pattern: str, key: str) -> Probe:
    """Another client changes an unrelated object in the same config file between the
    operation's read and its write (its edit lands first, so the digest read before is stale)."""
    entry = world.hooks.on_request(method, pattern, lambda: _foreign_edit(world, kind))

    def exercised() -> bool:
        # the operation's write carried the digest it had read, and PBS refused it
        return (
            method != "GET"
            and entry.fired > 0
            and any(e["status"] == 400 for e in _requests(world, method, pattern))
        )

    return Probe(exercised)


def _job_lock(world: World, kind: Kind, method: str, pattern: str, key: str) -> Probe:
    """Sync job `key` is running (its job lock is held by someone else) during the operation."""
    job_id = key if kind is SYNC_JOB else "rel-job"
    world.sim.hold_job_lock(job_id)
    before = len(world.hooks.lock_failures)
    return Probe(
        lambda: kind is SYNC_JOB and job_id in world.hooks.lock_failures[before:],
        lambda: world.sim.release_job_lock(job_id),
    )


RPC_OF = {"create": "Create", "update": "Update", "refresh": "Read", "delete": "Delete"}


def _before_step(world: World, op: str, urn: str, callback: Callable[[], None]) -> Callable[[], int]:
    """Call `callback()` just before the engine sends the step's RPC for resource `urn` (between
    the previous step and this one); returns how often it fired."""
    rpc, fired = RPC_OF[op], [0]
    previous = world.rpc_hooks.before.get(rpc)

    def hook(host: Any, request: Any) -> None:
        if previous is not None:
            previous(host, request)
        if str(getattr(request, "urn", "")).endswith(f"::{urn}"):
            fired[0] += 1
            callback()

    world.rpc_hooks.before[rpc] = hook
    return lambda: fired[0]


def _ticket_expiry_between_steps(world: World, res: Managed, op: str) -> Probe:
    """The ticket expires between two steps of the run: PBS's clock passes the ticket lifetime
    just before the engine sends this resource's step (the run met it: a 401 came after)."""
    backend = world.sim.simulator.backend
    assert backend is not None
    seen_before: list[int] = []

    def expire() -> None:
        seen_before.append(len(world.sim.request_log()))
        backend.clock.advance(TICKET_LIFETIME + 1)

    fired = _before_step(world, op, res.urn, expire)

    def exercised() -> bool:
        if not fired() or not seen_before:
            return False
        later = world.sim.request_log()[seen_before[0] :]
        return any(e["status"] == 401 and e["auth_id"] in (None, world.deployer) for e in later)

    return Probe(exercised)


def _skewed(world: World, res: Managed, op: str) -> Probe:
    """PBS's clock runs ahead of the deploy host by more than a ticket's lifetime (set for the whole
    chain); the operation's request was answered to the password login's ticket."""
    method, pattern = res.requests[op]
    offset = world.sim.simulator.backend.clock.offset  # type: ignore[union-attr]
    return Probe(
        lambda: (
            offset >= SKEW
            and any(
                e["auth_id"] == world.deployer and e["status"] not in (401, None)
                for e in _requests(world, method, pattern)
            )
        )
    )


def _skew_clock(world: World) -> None:
    world.sim.advance_clock(SKEW)


def _preview_then_remove_acl(world: World) -> Callable[[], None]:
    """`preview` (with every privilege), then the deploy token's ACL entry is removed, as an
    admin could between a reviewed preview and the `up`; the undo puts it back."""
    world.run("preview")
    entry = {"path": "/", "auth-id": DEPLOY_TOKEN[0], "role": "Admin"}
    world.sim.api("PUT", "/access/acl", json={**entry, "delete": True}).raise_for_status()
    return lambda: world.sim.api("PUT", "/access/acl", json=entry).raise_for_status()


def _refused(world: World, res: Managed, op: str) -> Probe:
    """The operation met the missing privilege: PBS refused a request of the deploy token to one
    of the resource's paths (403, or 400 for the checks PBS makes inside a handler), or — for an
    ACL entry, whose listing PBS filters instead of refusing — the provider asked PBS which
    privileges the token holds on /access/acl."""
    patterns = {pattern for _, pattern in res.requests.values()}

    def exercised() -> bool:
        log = [e for e in world.sim.request_log() if e["auth_id"] == world.deployer]
        refused = any(
            e["status"] in (400, 403) and any(fnmatch.fnmatchcase(e["path"], p) for p in patterns)
            for e in log
        )
        asked = res.kind is ACL_ENTRY and any(e["path"].endswith("/access/permissions") for e in log)
        return refused or asked

    return Probe(exercised)


NO_FAULT = FaultSpec("no fault", lambda world, res, op: Probe(lambda: False))
"""The control chain: the same operations without a fault (its request counts are the baseline
that retries are measured against)."""

FAULTS = (
    FaultSpec("500", _injected(status=500, body="internal error: simulated failure")),
    FaultSpec("503", _injected(status=503, body="service unavailable")),
    FaultSpec("reset before handled", _injected(drop="before")),
    FaultSpec("reset after handled", _injected(drop="after")),
    FaultSpec("delay past read timeout", _targeted(_late_answer), read_timeout=READ_TIMEOUT),
    FaultSpec("ticket expired mid-request", _targeted(_ticket_expiry), password_auth=True),
    FaultSpec("ticket expired between steps", _ticket_expiry_between_steps, password_auth=True),
    FaultSpec("clock skew > ticket lifetime", _skewed, password_auth=True, before_chain=_skew_clock),
    FaultSpec("digest race", _targeted(_concurrent_writer)),
    FaultSpec("job lock busy", _targeted(_job_lock)),
    FaultSpec(
        "deploy ACL removed after preview",
        _refused,
        token=DEPLOY_TOKEN,
        before_operation=_preview_then_remove_acl,
    ),
)

__all__ = ["DEPLOY_TOKEN", "FAULTS", "NO_FAULT", "OTHER_CLIENT", "READ_TIMEOUT", "FaultSpec", "Probe"]
