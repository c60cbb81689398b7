"""Fault matrix: every resource type x create/update/refresh/delete x every fault, through the mini
engine running the real program against a simulator.

One chain per fault: a fresh simulator and stack go through create → update → refresh (after
out-of-band edits) → delete. The stack holds one resource of each type (Remote, SyncJob, User,
ApiToken, AclEntry, Namespace), independent of each other (the token and the ACL entry belong to a
user that exists outside the stack). At each operation the fault is armed for the operation's
request on every resource, the verb runs, and then:

1. each resource's step either succeeded or failed with a clear provider error (the provider's
   own message naming the operation, the object, the server and what to do, with PBS's reason —
   not some other exception);
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

A failed step's message is classified (`messages.classify`): *failed clearly* needs a message
naming the operation, the object, the server and what to do. A step that succeeded under an
exercised fault is *absorbed*; its retries are the requests it sent to the resource's paths
beyond what the fault-free control chain (`no fault`) sent for the same cell. A resource the
verb never reached because it stopped at another resource's clear failure each time (a missing
privilege stops every run at the same place) is *not reached*, and checked like the others.

The engine runs one step at a time here (`parallel=1`), so that each cell is one operation meeting
its fault. Each chain is its own test with its own time budget (`CHAIN_BUDGET`, pytest-timeout): the chains
start in the background when the module's first test asks (two at a time, in test order), and
each test waits for its own. The matrix's wall time (first start to last end) is in the report.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from offline_engine import engine
from pbs_sim.testing import SimHandle, start_simulator

from .faults import DEPLOY_TOKEN, FAULTS, NO_FAULT, OTHER_CLIENT, FaultSpec, Probe
from .messages import classify
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


def outcome(results: list[engine.Result], op: str, res: Managed) -> tuple[str, str, str]:
    """(`ok` | `failed clearly` | `failed unclearly` | `not attempted`, message class, message)."""
    for result in results:
        if step_done(result, op, res.urn):
            return "ok", "", ""
        error = error_for(result, res.key)
        if error is not None:
            seen = classify(error, op, res.kind.noun, res.key, "onprem", res.urn)
            return ("failed clearly" if seen.clear else "failed unclearly"), seen.message_class, seen.line
    return "not attempted", "", ""


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
        self.requests: dict[tuple[str, str], int] = {}
        """(kind, op) → requests the deployer sent to the cell's faulted request pattern."""
        # One step at a time: each cell is one operation on one resource meeting its fault (a fault such
        # as a clock jump would otherwise also hit the steps running beside it, and a verb that stops at
        # a failure would cancel them). Parallel steps are covered by the shuffled-schedule runs of the
        # program tests and by test_parallel_writers.py.
        self.world = World(
            sim,
            tmp,
            password_auth=fault.password_auth,
            read_timeout=fault.read_timeout,
            token=fault.token,
            parallel=1,
        )
        create_outside_objects(sim)
        fault.before_chain(self.world)

    def desire(self, version: int | None) -> None:
        self.world.desire(*config(version))

    def count_requests(self, op: str) -> None:
        """Requests the deployer sent during the operation to any path of each resource (a request
        PBS refused with 401 carries no auth id: in a chain only the deployer can meet one)."""
        log = [
            e
            for e in self.sim.request_log()
            if e["auth_id"] == self.world.deployer or (e["auth_id"] is None and e["status"] == 401)
        ]
        for res in MANAGED:
            patterns = {pattern for _, pattern in res.requests.values()}
            self.requests[(res.kind.name, op)] = sum(
                1 for e in log if any(fnmatch.fnmatchcase(e["path"], p) for p in patterns)
            )

    def operation(self, op: str) -> None:
        world = self.world
        world.foreign_edits.clear()  # a later edit of the same object replaces an earlier one
        undo = self.fault.before_operation(world)
        self.sim.clear_request_log()
        probes: dict[Kind, Probe] = {res.kind: self.fault.arm(world, res, op) for res in MANAGED}
        results = [world.run(VERBS[op])]
        for _ in MANAGED:  # a fault not reached yet because its resource was not attempted
            waiting = {
                r.urn
                for r in MANAGED
                if not probes[r.kind].exercised() and outcome(results, op, r)[0] == "not attempted"
            }
            if not waiting:
                break
            results.append(world.run(VERBS[op]))
            if waiting == {r.urn for r in MANAGED if outcome(results, op, r)[0] == "not attempted"}:
                break  # the run stops at the same resource each time: the others stay out of reach
        exercised = {kind: probe.exercised() for kind, probe in probes.items()}
        self.count_requests(op)
        for probe in probes.values():
            probe.cleanup()
        undo()
        self.sim.clear_faults()
        world.hooks.clear()
        world.rpc_hooks.before.clear()
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
                op, res, exercised[res.kind], results, audit, later, settled, converge, preview, repaired
            )

    def record(
        self,
        op: str,
        res: Managed,
        exercised: bool,
        results: list[engine.Result],
        audit: Audit,
        later: Audit,
        settled: Audit,
        converge: engine.Result,
        preview: engine.Result,
        repaired: str,
    ) -> None:
        status, message_class, message = outcome(results, op, res)
        converged = error_for(converge, res.key) is None and not concerning(res, settled.problems())
        planned = [name for _, name in preview.ops() if name == res.urn]
        clean = not planned and error_for(preview, res.key) is None
        notes = [f"after {op}: {p}" for p in concerning(res, audit.problems())]
        notes += [f"after converge: {p}" for p in concerning(res, later.problems())]
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
                exercised=exercised,
                outcome=status,
                message_class=message_class,
                message=message,
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


@dataclass
class ChainRun:
    """What one chain produced: its cells, request counts and when it ran."""

    scenarios: list[Scenario]
    requests: dict[tuple[str, str], int]
    started: float
    ended: float


def run_chain(fault: FaultSpec, tmp: Path) -> ChainRun:
    """The chain of one fault on its own simulator."""
    started = time.monotonic()
    with start_simulator(
        tmp / "pbs",
        datastores=["store1", "offsite"],
        node="onprem",
        job_lock_timeout=0.3,
        tokens=[OTHER_CLIENT, DEPLOY_TOKEN],
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
        return ChainRun(chain.scenarios, chain.requests, started, time.monotonic())


CHAINS_IN_PARALLEL = 2
"""Chains run two at a time: a run waits on gRPC and HTTP round trips as much as it computes."""
CHAIN_BUDGET = 240
"""Seconds one chain's test may take (pytest-timeout): a chain takes well under a minute on an idle
machine, several times that on a loaded one."""
CHAINS = (NO_FAULT, *FAULTS)


@pytest.fixture(scope="module")
def chains(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[ChainRun]]]:
    """The selected chains (and the control chain), started in the background in test order;
    each test waits for its own."""
    selected = {
        item.callspec.params["fault"].name
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_fault_chain"
    }
    pool = ThreadPoolExecutor(CHAINS_IN_PARALLEL, thread_name_prefix="chain")
    futures = {
        fault.name: pool.submit(run_chain, fault, tmp_path_factory.mktemp(f"chain-{i}"))
        for i, fault in enumerate(CHAINS)
        if fault.name in selected or fault is NO_FAULT
    }
    yield futures
    pool.shutdown(wait=False, cancel_futures=True)
    runs = [f.result() for f in futures.values() if f.done() and not f.cancelled() and not f.exception()]
    if runs:
        wall = max(r.ended for r in runs) - min(r.started for r in runs)
        REPORT.wall_times["fault matrix"] = round(wall, 1)


@pytest.mark.timeout(CHAIN_BUDGET)
@pytest.mark.parametrize("fault", CHAINS, ids=[f.name.replace(" ", "-") for f in CHAINS])
def test_fault_chain(chains: dict[str, Future[ChainRun]], fault: FaultSpec) -> None:
    run = chains[fault.name].result()
    cells = run.scenarios
    assert len(cells) == len(MANAGED) * len(OPERATIONS)
    if fault is not NO_FAULT:
        baseline = chains[NO_FAULT.name].result().requests
        for cell in cells:
            if cell.outcome == "ok" and (cell.kind, cell.op) in run.requests:
                cell.retries = max(0, run.requests[(cell.kind, cell.op)] - baseline[(cell.kind, cell.op)])
        for cell in cells:
            REPORT.add(cell)
    else:
        assert not any(cell.exercised for cell in cells)
        assert all(cell.outcome == "ok" for cell in cells), [c.detail for c in cells if c.outcome != "ok"]
    failed = [f"{s.kind} {s.op}: {s.outcome}; {s.message}; {s.detail}" for s in cells if not s.survived]
    assert not failed, "\n".join(failed)
