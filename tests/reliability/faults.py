"""The faults of the matrix, and how to tell that one really hit the operation.

Each `FaultSpec.arm(world, kind, method, pattern, key)` prepares one fault for the next request
of `method` to `pattern` (the operation's request on the object `key` of `kind`) and returns a
`Probe` whose `exercised()` says afterwards whether the fault reached that request.
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .world import ACL_ENTRY, API_TOKEN, REMOTE, SYNC_JOB, USER, Kind, World

TICKET_LIFETIME = 7200
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


@dataclass(frozen=True)
class FaultSpec:
    name: str
    arm: Callable[[World, Kind, str, str, str], Probe]
    password_auth: bool = False
    read_timeout: float | None = None


def _injected(**fault: object) -> Callable[[World, Kind, str, str, str], Probe]:
    def arm(world: World, kind: Kind, method: str, pattern: str, key: str) -> Probe:
        fault_id = world.sim.inject_fault(method=method, path=pattern, count=1, **fault)["id"]  # type: ignore[arg-type]
        return Probe(lambda: fault_id in world.hooks.consumed)

    return arm


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
    session = world.sim.new_session()
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


FAULTS = (
    FaultSpec("500", _injected(status=500, body="internal error: simulated failure")),
    FaultSpec("503", _injected(status=503, body="service unavailable")),
    FaultSpec("reset before handled", _injected(drop="before")),
    FaultSpec("reset after handled", _injected(drop="after")),
    FaultSpec("delay past read timeout", _late_answer, read_timeout=READ_TIMEOUT),
    FaultSpec("ticket expired mid-run", _ticket_expiry, password_auth=True),
    FaultSpec("digest race", _concurrent_writer),
    FaultSpec("job lock busy", _job_lock),
)

__all__ = ["FAULTS", "READ_TIMEOUT", "FaultSpec", "Probe"]
