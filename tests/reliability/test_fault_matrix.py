"""Fault matrix: every resource type x create/update/refresh/delete x every fault, through the mini
engine running the real program against a simulator.

One chain per fault: a fresh simulator and stack go through create → update → refresh (after
out-of-band edits) → delete. The stack holds one resource of each type (Remote, SyncJob, User,
ApiToken, AclEntry, Namespace), independent of each other (the token and the ACL entry belong to a
user that exists outside the stack). At each operation the fault is armed for the operation's
request on every resource, the verb runs, and then:

1. each resource's step either succeeded or failed with a clear provider error (the provider's
   own message naming the object and the server, with PBS's reason — not some other exception);
2. the state and PBS agree (`World.audit`: no lost object, orphan, duplicate or lost update; a
   concurrent client's edit survives);
3. a following `up` converges (PBS holds exactly the config) and a `preview` after it is clean.
   When the operation itself already left PBS exactly as configured and the state agreeing, the
   `up` is not run: the clean preview shows it would do nothing (the mini engine's `up` takes the
   same steps as its `preview`). After a failed refresh, a refresh without the fault runs before
   the `up`: the out-of-band edits made before it are drift that only a refresh shows.

A verb stops at its first failing resource (refresh, deletes) or never reaches resources whose
inputs are not known; while an armed fault is unused because its resource was not attempted, the
verb runs again (bounded). Every cell is recorded in the report; a chain's test fails if any of
its cells did not survive, and after such a cell the world is repaired by hand (orphans deleted
with the admin token) so that the next cell is judged on its own.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import pytest

from offline_engine import engine
from pbs_sim.testing import SimHandle, start_simulator

from .faults import FAULTS, FaultSpec, Probe
from .report import REPORT, Scenario
from .stack_under_test import MANAGED, Managed, config, create_outside_objects, edit_by_hand
from .world import KINDS, Audit, Kind, World

OPERATIONS = ("create", "update", "refresh", "delete")
VERBS = {"create": "up", "update": "up", "refresh": "refresh", "delete": "up"}
STEP_OPS = {"create": {"create"}, "update": {"update"}, "refresh": {"same", "update"}, "delete": {"delete"}}


def step_done(result: engine.Result, op: str, urn: str) -> bool:
    return any(s.op in STEP_OPS[op] and s.urn.endswith(f"::{urn}") for s in result.steps)


def error_for(result: engine.Result, key: str) -> str | None:
    for line in result.diagnostics:
        if line.startswith("error:") and f"`{key}`" in line:
            return line
    return None


def outcome(results: list[engine.Result], op: str, res: Managed) -> tuple[str, str]:
    """(`ok` | `failed clearly` | `failed unclearly` | `not attempted`, last error line)."""
    for result in results:
        if step_done(result, op, res.urn):
            return "ok", ""
        error = error_for(result, res.key)
        if error is not None:
            last = error.strip().splitlines()[-1]
            clear = (
                "pbs_provider.resources.machine.ProviderError: " in error
                and f"{res.kind.noun} `{res.key}`" in error
                and "server `onprem`" in error
            )
            return ("failed clearly" if clear else "failed unclearly"), last
    return "not attempted", ""


def concerning(res: Managed, problems: list[str]) -> list[str]:
    """The audit lines about `res`, or about another client's object of the same kind."""
    return [p for p in problems if p.startswith((f"{res.kind.name} {res.key}", f"{res.kind.name} other"))]


def last_error(result: engine.Result, key: str | None = None) -> str:
    errors = [d for d in result.diagnostics if d.startswith("error:") and (key is None or f"`{key}`" in d)]
    return (errors or result.diagnostics or ["?"])[-1].strip().splitlines()[-1]


NOTHING_TO_DO = engine.Result(True, [], {}, [], 0, {})
"""The operation left PBS exactly as configured: the clean preview shows the next `up` is a no-op."""


class Chain:
    """One fault's chain of operations on a fresh simulator."""

    def __init__(self, fault: FaultSpec, tmp: Path, sim: SimHandle) -> None:
        self.fault, self.sim = fault, sim
        self.scenarios: list[Scenario] = []
        self.world = World(sim, tmp, password_auth=fault.password_auth, read_timeout=fault.read_timeout)
        create_outside_objects(sim)

    def desire(self, version: int | None) -> None:
        self.world.desire(*config(version))

    def operation(self, op: str) -> None:
        world = self.world
        self.sim.clear_request_log()
        world.foreign_edits.clear()  # a later edit of the same object replaces an earlier one
        probes: dict[Kind, Probe] = {
            res.kind: self.fault.arm(world, res.kind, *res.requests[op], res.key) for res in MANAGED
        }
        results = [world.run(VERBS[op])]
        for _ in MANAGED:  # a fault not reached yet because its resource was not attempted
            if not any(
                not probes[r.kind].exercised() and outcome(results, op, r)[0] == "not attempted"
                for r in MANAGED
            ):
                break
            results.append(world.run(VERBS[op]))
        for probe in probes.values():
            probe.cleanup()
        self.sim.clear_faults()
        world.hooks.clear()
        completed = frozenset(
            (r.kind.name, r.key) for r in MANAGED if any(step_done(x, op, r.urn) for x in results)
        )
        audit = world.audit(completed=completed, check_desired=True)
        all_ok = all(outcome(results, op, r)[0] == "ok" for r in MANAGED)
        converge, settled = NOTHING_TO_DO, audit
        if not (all_ok and audit.agrees and not audit.not_desired):
            if op == "refresh" and not all_ok:  # drift is only seen by a refresh: retry it first
                world.run("refresh")
            converge = world.run("up")
            settled = world.audit(check_desired=True)
        preview = world.run("preview")
        healthy = settled.agrees and not settled.not_desired and preview.ok and not preview.ops()
        repaired = "" if healthy else self.repair()
        later = Audit() if settled is audit else settled
        for res in MANAGED:
            self.record(
                op, res, probes[res.kind], results, audit, later, settled, converge, preview, repaired
            )

    def record(
        self,
        op: str,
        res: Managed,
        probe: Probe,
        results: list[engine.Result],
        audit: Audit,
        later: Audit,
        settled: Audit,
        converge: engine.Result,
        preview: engine.Result,
        repaired: str,
    ) -> None:
        status, error = outcome(results, op, res)
        converged = error_for(converge, res.key) is None and not concerning(res, settled.problems())
        planned = [name for _, name in preview.ops() if name == res.urn]
        clean = not planned and error_for(preview, res.key) is None
        notes = [f"after {op}: {p}" for p in concerning(res, audit.problems())]
        notes += [f"after converge: {p}" for p in concerning(res, later.problems())]
        if error and status != "failed clearly":
            notes.append(f"error: {error}")
        if error_for(converge, res.key) is not None:
            notes.append(f"converge up failed: {last_error(converge, res.key)}")
        if not clean:
            notes.append(f"preview not clean: {planned or last_error(preview, res.key)}")
        if repaired and not (converged and clean):
            notes.append(repaired)

        def count(found: list[str]) -> int:
            return len(
                set(concerning(res, found))
            )  # an object found after the operation and again later is one

        self.scenarios.append(
            Scenario(
                section="fault matrix",
                kind=res.kind.name,
                op=op,
                fault=self.fault.name,
                exercised=probe.exercised(),
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
        converge, so that the next cell is judged on its own: orphans are deleted with the admin
        token, then `refresh` and `up` run."""
        world = self.world
        removed = []
        for kind in KINDS:
            known = {e.get("id") for e in world.state_entries(kind)}
            for key in kind.live(self.sim):
                if kind.managed(key) and key not in known:
                    kind.remove(self.sim, key)
                    removed.append(f"{kind.name} {key}")
        world.run("refresh")
        result = world.run("up")
        final = world.audit(check_desired=True)
        assert result.ok and final.agrees and not final.not_desired, (
            f"the test could not repair the world: {last_error(result)}; {final.problems()}"
        )
        return f"(the test then deleted {', '.join(removed) or 'nothing'} by hand to go on)"


def run_chain(fault: FaultSpec, tmp: Path) -> list[Scenario]:
    """The chain of one fault on its own simulator; returns its cells."""
    with start_simulator(
        tmp / "pbs", datastores=["store1", "offsite"], node="onprem", job_lock_timeout=0.3
    ) as sim:
        chain = Chain(fault, tmp, sim)
        chain.desire(1)
        chain.operation("create")
        chain.desire(2)
        chain.operation("update")
        edit_by_hand(sim)
        chain.operation("refresh")
        chain.desire(None)
        chain.operation("delete")
        return chain.scenarios


CHAINS_IN_PARALLEL = 2
"""Chains run two at a time: a run waits on gRPC and HTTP round trips as much as it computes."""


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Future[list[Scenario]]]:
    """Every chain, run once for the module; each test looks at its own."""
    with ThreadPoolExecutor(CHAINS_IN_PARALLEL, thread_name_prefix="chain") as pool:
        futures = {
            fault.name: pool.submit(run_chain, fault, tmp_path_factory.mktemp(f"chain-{i}"))
            for i, fault in enumerate(FAULTS)
        }
        wait(futures.values())
    for future in futures.values():
        if future.exception() is None:
            for scenario in future.result():
                REPORT.add(scenario)
    return futures


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name.replace(" ", "-") for f in FAULTS])
def test_fault_chain(matrix: dict[str, Future[list[Scenario]]], fault: FaultSpec) -> None:
    cells = matrix[fault.name].result()
    assert len(cells) == len(MANAGED) * len(OPERATIONS)
    failed = [f"{s.kind} {s.op}: {s.outcome}; {s.detail}" for s in cells if not s.survived]
    assert not failed, "\n".join(failed)
