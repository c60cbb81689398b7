"""Fault matrix: every resource type x create/update/refresh/delete x every fault, through the mini
engine running the real program against a simulator.

One chain per fault: a fresh simulator and stack go through create → update → refresh (after an
out-of-band edit) → delete. At each operation the fault is armed for the operation's request on
both resources (a Remote and a SyncJob, independent of each other), the verb runs, and then:

1. each resource's step either succeeded or failed with a clear provider error (operation, object,
   server, reason — not some other exception);
2. the state and PBS agree (`World.audit`: no lost object, orphan, duplicate or lost update; a
   concurrent client's edit survives);
3. a following `up` converges (PBS holds exactly the config) and a `preview` after it is clean.
   When the operation itself already left PBS exactly as configured and the state agreeing, the
   `up` is not run: the clean preview shows it would do nothing (the mini engine's `up` takes the
   same steps as its `preview`). After a failed refresh, a refresh without the fault runs before
   the `up`: the out-of-band edit made before it is drift that only a refresh shows.

Refresh and delete stop at their first failing resource; when that leaves the other resource's
fault unused, the verb runs once more so that it reaches it. Every cell is recorded in the report;
the test fails if any cell did not survive.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pbs_sim.testing import start_simulator
from tests.engine import engine

from .faults import FAULTS, FaultSpec, Probe
from .report import REPORT, Scenario
from .world import KINDS, REMOTE, Audit, Kind, World

REMOTE_ID, JOB_ID = "rel-remote", "rel-job"
KEYS = {REMOTE.name: REMOTE_ID, "SyncJob": JOB_ID}
NOUNS = {REMOTE.name: "remote", "SyncJob": "sync job"}

V1_REMOTE = {"server": "onprem", "host": "pbs-cloud.example.com", "authId": "sync@pbs!rel", "comment": "v1"}
V1_JOB = {
    "server": "onprem", "store": "store1", "remoteStore": "offsite", "schedule": "daily", "comment": "v1",
}  # fmt: skip
V2_REMOTE = {**V1_REMOTE, "port": 8008, "comment": "v2"}
V2_JOB = {**V1_JOB, "schedule": "hourly", "comment": "v2", "transferLast": 3}

OPS = {
    # op: (verb, method, request pattern for a kind and key)
    "create": ("up", "POST", lambda kind, key: kind.collection_path()),
    "update": ("up", "PUT", lambda kind, key: kind.item_path(key)),
    "refresh": ("refresh", "GET", lambda kind, key: kind.item_path(key)),
    "delete": ("up", "DELETE", lambda kind, key: kind.item_path(key)),
}
STEP_OPS = {"create": {"create"}, "update": {"update"}, "refresh": {"same", "update"}, "delete": {"delete"}}


def step_done(result: engine.Result, op: str, key: str) -> bool:
    return any(s.op in STEP_OPS[op] and s.urn.endswith(f"::{key}") for s in result.steps)


def error_for(result: engine.Result, key: str) -> str | None:
    for line in result.diagnostics:
        if line.startswith("error:") and f"`{key}`" in line:
            return line
    return None


def _concerning(kind: Kind, key: str, problems: list[str]) -> list[str]:
    """The audit lines about resource `key`, or about another client's object of the same kind."""
    return [p for p in problems if f"{kind.name} {key}" in p or f"{kind.name} other-" in p]


def outcome(results: list[engine.Result], op: str, kind: Kind, key: str) -> tuple[str, str]:
    """(`ok` | `failed clearly` | `failed unclearly` | `not attempted`, error text)."""
    for result in results:
        if step_done(result, op, key):
            return "ok", ""
        error = error_for(result, key)
        if error is not None:
            # clear: the provider's own error, naming the object and the server (and PBS's reason)
            last = error.strip().splitlines()[-1]
            clear = (
                "pbs_provider.resources.machine.ProviderError: " in error
                and f"{NOUNS[kind.name]} `{key}`" in error
                and "server `onprem`" in error
            )
            return ("failed clearly" if clear else "failed unclearly"), last
    return "not attempted", ""


class Chain:
    """One fault's chain of operations on a fresh simulator."""

    def __init__(self, fault: FaultSpec, tmp: Path, sim: Any) -> None:
        self.fault, self.sim = fault, sim
        self.world = World(sim, tmp, password_auth=fault.password_auth, read_timeout=fault.read_timeout)
        # objects of another client in the same config files (never managed by the stack)
        sim.api("POST", "/config/remote", json={
            "name": "other-remote", "host": "other.example.com", "auth-id": "x@pbs", "password": "x-pw",
        }).raise_for_status()  # fmt: skip
        sim.api("POST", "/config/sync", json={
            "id": "other-job", "store": "offsite", "remote-store": "store1",
        }).raise_for_status()  # fmt: skip

    def desire(self, remote: dict | None, job: dict | None, password: str | None) -> None:
        self.world.desire(
            {REMOTE_ID: remote} if remote else {},
            {JOB_ID: job} if job else {},
            {REMOTE_ID: password} if remote and password else {},
        )

    def operation(self, op: str) -> None:
        verb, method, pattern_of = OPS[op]
        world = self.world
        self.sim.clear_request_log()
        probes: dict[str, Probe] = {}
        for kind in KINDS:
            key = KEYS[kind.name]
            probes[kind.name] = self.fault.arm(world, kind, method, pattern_of(kind, key), key)
        results = [world.run(verb)]
        for _ in KINDS:  # refresh and delete stop at the first failure: reach the other fault too
            pending = [
                k
                for k in KINDS
                if not probes[k.name].exercised()
                and outcome(results, op, k, KEYS[k.name])[0] == "not attempted"
            ]
            if not pending or op not in ("refresh", "delete"):
                break
            results.append(world.run(verb))
        for probe in probes.values():
            probe.cleanup()
        self.sim.clear_faults()
        world.hooks.clear()
        completed = {
            (k.name, KEYS[k.name]) for k in KINDS if any(step_done(r, op, KEYS[k.name]) for r in results)
        }
        audit = world.audit(completed=completed, check_desired=True)
        all_ok = all(outcome(results, op, k, KEYS[k.name])[0] == "ok" for k in KINDS)
        converge = NOTHING_TO_DO
        settled = audit
        if not (all_ok and audit.agrees and not audit.not_desired):
            if op == "refresh" and not all_ok:  # drift is only seen by a refresh: retry it first
                world.run("refresh")
            converge = world.run("up")
            settled = world.audit(check_desired=True)
        preview = world.run("preview")
        repaired = self.repair() if not (settled.agrees and not settled.not_desired and preview.ok) else ""
        later = Audit() if settled is audit else settled
        for kind in KINDS:
            key = KEYS[kind.name]
            status, error = outcome(results, op, kind, key)
            mine, after = _concerning(kind, key, audit.problems()), _concerning(kind, key, later.problems())
            converged = error_for(converge, key) is None and not _concerning(kind, key, settled.problems())
            planned = [name for _, name in preview.ops() if name == key]
            clean = not planned and error_for(preview, key) is None
            notes = [f"after {op}: {p}" for p in mine] + [f"after converge: {p}" for p in after]
            if error and status != "failed clearly":
                notes.append(f"error: {error}")
            if error_for(converge, key) is not None:
                notes.append(f"converge up failed: {_last_error(converge, key)}")
            if not clean:
                notes.append(f"preview not clean: {planned or _last_error(preview, key)}")
            if repaired and not (converged and clean):
                notes.append(repaired)

            def count(found: list[str], kind: Kind = kind, key: str = key) -> int:
                return len(_concerning(kind, key, found))

            REPORT.add(
                Scenario(
                    section="fault matrix",
                    kind=kind.name,
                    op=op,
                    fault=self.fault.name,
                    exercised=probes[kind.name].exercised(),
                    outcome=status,
                    lost_objects=count(audit.lost_objects + later.lost_objects),
                    orphans=count(audit.orphans + later.orphans),
                    duplicates=count(audit.duplicates + later.duplicates),
                    lost_updates=count(audit.lost_updates + later.lost_updates),
                    converged=converged,
                    clean_preview=clean,
                    detail="; ".join(notes),
                )
            )

    def repair(self) -> str:
        """Put the world back to "PBS holds what the config says" after a cell that did not
        converge, so that the next cell of the chain is judged on its own: orphans are deleted
        with the admin token, then `up` runs (a refresh first, so the state knows what is gone)."""
        world = self.world
        removed = []
        for kind in KINDS:
            known = {e.get("id") for e in world.state_entries(kind)}
            for pbs_id in world.live(kind):
                if pbs_id.startswith(world.prefix) and pbs_id not in known:
                    world.sim.api("DELETE", f"{kind.collection}/{pbs_id}").raise_for_status()
                    removed.append(f"{kind.name} {pbs_id}")
        world.run("refresh")
        result = world.run("up")
        final = world.audit(check_desired=True)
        assert result.ok and final.agrees and not final.not_desired, (
            f"the test could not repair the world: {_last_error(result)}; {final.problems()}"
        )
        return f"(the test then deleted {', '.join(removed) or 'nothing'} by hand to go on)"


NOTHING_TO_DO = engine.Result(True, [], {}, [], 0, {})
"""The operation left PBS exactly as configured: the clean preview shows the next `up` is a no-op."""


def _last_error(result: engine.Result, key: str | None = None) -> str:
    errors = [d for d in result.diagnostics if d.startswith("error:") and (key is None or f"`{key}`" in d)]
    return (errors or result.diagnostics or ["?"])[-1].strip().splitlines()[-1]


@pytest.fixture
def chain_for(tmp_path: Path) -> Iterator[Any]:
    sims = []

    def make(fault: FaultSpec) -> Chain:
        context = start_simulator(
            tmp_path / "pbs", datastores=["store1", "offsite"], node="onprem", job_lock_timeout=0.3
        )
        sims.append(context)
        return Chain(fault, tmp_path, context.__enter__())

    yield make
    for context in sims:
        context.__exit__(None, None, None)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name.replace(" ", "-") for f in FAULTS])
def test_fault_chain(chain_for: Any, fault: FaultSpec) -> None:
    chain = chain_for(fault)
    before = len(REPORT.scenarios)
    chain.desire(V1_REMOTE, V1_JOB, "rel-pw-v1")
    chain.operation("create")
    chain.desire(V2_REMOTE, V2_JOB, "rel-pw-v2")
    chain.operation("update")
    for kind in KINDS:  # out-of-band edits that the refresh must see
        chain.sim.api("PUT", f"{kind.collection}/{KEYS[kind.name]}", json={"comment": "edited by hand"})
    chain.operation("refresh")
    chain.desire(None, None, None)
    chain.operation("delete")
    mine = REPORT.scenarios[before:]
    assert len(mine) == len(KINDS) * len(OPS)
    failed = [f"{s.kind} {s.op}: {s.outcome}; {s.detail}" for s in mine if not s.survived]
    assert not failed, "\n".join(failed)
