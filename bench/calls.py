"""Section 1: HTTP calls per operation, counted from the simulator's request log.

Each engine step (Check+Create, Check+Diff+Update, Read, Delete, ...) runs once through the real
plugin in a warm process (its one `GET /version` already made), for `Remote` and `SyncJob`; the
request log is cleared before and read after each step. The last two rows start a fresh plugin
and preview, then no-op `up`, a small unchanged stack, to count the per-process `GET /version`
reads (Check gates fields newer than the server's PBS version; the jobs set `transferLast`).

Targets: preview 0 writes and at most one `GET /version` per server per process;
create ≤ 2, update ≤ 3, delete ≤ 2 (digest read + delete), refresh 1, no-op up 0. Replace is a
create plus a delete (engine: create-before-delete), so its target is their sum, ≤ 4.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .plugin import REMOTE_T, SYNC_T, Plugin, State, job_fields, remote_fields
from .sim import ExternalSim, summarize_log

TARGETS: dict[str, tuple[int, str]] = {
    "preview create": (0, "0 calls"),
    "create": (2, "≤ 2"),
    "preview no change": (0, "0 calls"),
    "no-op up": (0, "0 calls"),
    "preview change": (0, "0 calls"),
    "update": (3, "≤ 3"),
    "refresh": (1, "1"),
    "replace": (4, "≤ 4 (create + delete)"),
    "delete": (2, "≤ 2"),
}
FRESH_JOBS = 20


def _measure(
    sim: ExternalSim, rows: list[dict], kind: str, op: str, rpcs: str, step: Callable[[], Any]
) -> Any:
    sim.clear_request_log()
    result = step()
    counts = summarize_log(sim.request_log())
    limit, target = TARGETS[op]
    calls = counts["total"]
    rows.append(
        {
            "resource": kind,
            "operation": op,
            "rpcs": rpcs,
            "calls": calls,
            "writes": counts["writes"],
            "version_gets": counts["version_gets"],
            "by_kind": counts["by_kind"],
            "target": target,
            "met": calls <= limit,
        }
    )
    return result


def _lifecycle(sim: ExternalSim, plugin: Plugin, rows: list[dict], kind: str, type_: str) -> None:
    if type_ == REMOTE_T:
        fields = remote_fields(sim, name="calls-remote")
        changed = {**fields, "comment": "changed"}
        renamed = {**fields, "name": "calls-remote-2"}
    else:
        fields = job_fields(sim.name, 90001)
        changed = {**fields, "comment": "changed"}
        renamed = {**fields, "jobId": "bench-90002"}
    name = f"calls-{kind}"

    def expect(got: str, want: str) -> None:
        if got != want:
            raise RuntimeError(f"{kind}: expected {want}, the engine step was {got}")

    _measure(
        sim, rows, kind, "preview create", "Check", lambda: plugin.check(type_, name, fields, preview=True)
    )
    state: State = _measure(
        sim, rows, kind, "create", "Check, Create", lambda: plugin.create(type_, name, fields)
    )
    step, _ = _measure(
        sim, rows, kind, "preview no change", "Check, Diff", lambda: plugin.plan(state, fields)
    )
    expect(step, "same")
    step, _ = _measure(sim, rows, kind, "no-op up", "Check, Diff", lambda: plugin.up(state, fields))
    expect(step, "same")
    step, _ = _measure(sim, rows, kind, "preview change", "Check, Diff", lambda: plugin.plan(state, changed))
    expect(step, "update")
    step, state = _measure(
        sim, rows, kind, "update", "Check, Diff, Update", lambda: plugin.up(state, changed)
    )
    expect(step, "update")
    refreshed = _measure(sim, rows, kind, "refresh", "Read", lambda: plugin.read(state))
    if refreshed is None:
        raise RuntimeError(f"{kind}: refresh found the object gone")
    step, state = _measure(
        sim, rows, kind, "replace", "Check, Diff, Create, Delete", lambda: plugin.up(refreshed, renamed)
    )
    expect(step, "replace")
    _measure(sim, rows, kind, "delete", "Delete", lambda: plugin.delete(state))


def _fresh_process(sim: ExternalSim) -> list[dict[str, Any]]:
    """Fresh plugins plan and apply an unchanged small stack (1 remote, N jobs; versioned fields)."""
    with Plugin([sim]) as setup:
        remote = setup.create(REMOTE_T, "fresh-remote", remote_fields(sim))
        jobs = [setup.create(SYNC_T, f"fresh-{i}", job_fields(sim.name, i)) for i in range(FRESH_JOBS)]
    rows = []
    for op, preview in (("preview", True), ("no-op up", False)):
        sim.clear_request_log()
        with Plugin([sim]) as plugin:
            steps = [plugin.plan(remote, remote_fields(sim), preview=preview)[0]]
            steps += [
                plugin.plan(state, job_fields(sim.name, i), preview=preview)[0]
                for i, state in enumerate(jobs)
            ]
        if set(steps) != {"same"}:
            raise RuntimeError(f"fresh {op}: an unchanged stack planned {sorted(set(steps))}")
        counts = summarize_log(sim.request_log())
        if preview:
            target, met = "0 writes, ≤ 1 GET /version", counts["total"] == counts["version_gets"] <= 1
        else:
            target, met = "0 calls", counts["total"] == 0
        rows.append(
            {
                "resource": "stack",
                "operation": f"{op}, fresh process ({FRESH_JOBS + 1} unchanged resources)",
                "rpcs": "Check, Diff per resource",
                "calls": counts["total"],
                "writes": counts["writes"],
                "version_gets": counts["version_gets"],
                "by_kind": counts["by_kind"],
                "target": target,
                "met": met,
            }
        )
    with Plugin([sim]) as cleanup:
        for state in jobs:
            cleanup.delete(state)
        cleanup.delete(remote)
    sim.clear_request_log()
    return rows


def run(sim: ExternalSim) -> dict[str, Any]:
    """Rows of (resource, operation, calls, target, met) for both resources."""
    rows: list[dict] = []
    with Plugin([sim]) as plugin:
        # warm the process: the first versioned Check reads GET /version once (counted separately)
        plugin.check(SYNC_T, "warm-up", job_fields(sim.name, 0), preview=True)
        remote = plugin.create(REMOTE_T, "bench-remote", remote_fields(sim))  # the jobs' remote
        sim.clear_request_log()
        _lifecycle(sim, plugin, rows, "SyncJob", SYNC_T)
        _lifecycle(sim, plugin, rows, "Remote", REMOTE_T)
        plugin.delete(remote)
    rows += _fresh_process(sim)
    missed = [
        f"{r['resource']} {r['operation']}: {r['calls']} calls (target {r['target']})"
        for r in rows
        if not r["met"]
    ]
    return {"rows": rows, "missed": missed}
