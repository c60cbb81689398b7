"""PBS itself dies in the middle of an `up` (SIGKILL of the server process) and comes back on the
same data dir and port; the run either absorbs it or fails clearly, and the next `up` converges.

The simulator runs in its own process (`pbs_sim.testing.SimProcess`), so that the kill is a real
process death. Two moments:

* between two steps: just before the engine sends the third Create, the server is killed and a
  restart begins at once; the Create meets a server that is down or starting;
* while PBS holds a request: the sync job's POST is held (a side-channel delay) before PBS
  handles it; once the simulator took it (the fault left its list) the server is killed — the
  client's connection drops with its POST unanswered and unapplied — and restarted.

Checked, as for the crash scenarios: the run succeeded (absorbed) or its error is clear
(`messages.classify`), state and PBS agree (`World.audit`), and the next `up` converges with a
clean `preview` after it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_engine import engine
from offline_engine.provider_host import DynamicProviderHost
from pbs_sim.testing import SimProcess

from .messages import Seen, classify
from .report import REPORT, Scenario
from .stack_under_test import API, MANAGED, config, create_outside_objects
from .world import World

HOLD = 60.0
"""Seconds the held POST would wait before PBS handles it (it never gets there: the kill comes first)."""


@pytest.fixture
def pbs(tmp_path: Path) -> Iterator[SimProcess]:
    with SimProcess(tmp_path / "pbs", datastores=["store1", "offsite"], node="onprem") as sim:
        create_outside_objects(sim)
        yield sim


def restart_in_background(sim: SimProcess) -> threading.Thread:
    """Kill the server now and start it again in a thread (the run goes on meanwhile)."""
    sim.kill()
    thread = threading.Thread(target=sim.start, name="pbs-restart", daemon=True)
    thread.start()
    return thread


def first_error(result: engine.Result, op: str) -> Seen:
    for line in (d for d in result.diagnostics if d.startswith("error:")):
        res = next((m for m in MANAGED if f"::{m.urn}" in line), None)
        if res is not None:
            return classify(line, op, res.kind.noun, res.key, "onprem", res.urn)
    return Seen("none", False, (result.diagnostics or ["?"])[-1][:300])


def judged(
    world: World, result: engine.Result, what: str, killed: bool, restart: threading.Thread
) -> Scenario:
    restart.join(120)
    assert world.sim.api("GET", "/version").ok, "the simulator did not come back"
    audit = world.audit()
    converge = world.run("up")
    settled = world.audit(check_desired=True)
    preview = world.run("preview")
    seen = first_error(result, "create")
    notes = [f"after the restart: {p}" for p in audit.problems() if not p.startswith("orphan")]
    notes += [f"after the next up: {p}" for p in settled.problems()]
    if not converge.ok:
        notes.append(f"next up failed: {first_error(converge, 'create').line}")
    if not result.ok and not seen.clear:
        notes.append(f"unclear message: {seen.line}")
    clean = preview.ok and preview.ops() == []
    return REPORT.add(
        Scenario(
            section="restart",
            kind="(stack)",
            op="create",
            fault=f"PBS killed and restarted {what}",
            exercised=killed,
            outcome="ok" if result.ok else ("failed clearly" if seen.clear else "failed unclearly"),
            message_class="" if result.ok else seen.message_class,
            message="" if result.ok else seen.line,
            lost_objects=len(set(audit.lost_objects + settled.lost_objects)),
            orphans=len(set(settled.orphans)),
            duplicates=len(set(audit.duplicates + settled.duplicates)),
            lost_updates=len(set(audit.lost_updates + settled.lost_updates)),
            converged=converge.ok and settled.agrees and not settled.not_desired,
            clean_preview=clean,
            detail="; ".join(notes),
        )
    )


def test_pbs_killed_between_steps(pbs: SimProcess, tmp_path: Path) -> None:
    world = World(pbs, tmp_path, parallel=1)  # one step meets the restart, as in the fault matrix
    world.desire(*config(1))
    creates, restarts = [0], []
    first = pbs.proc

    def before_create(host: DynamicProviderHost, _request: object) -> None:
        creates[0] += 1
        if creates[0] == 3:
            restarts.append(restart_in_background(pbs))

    world.rpc_hooks.before["Create"] = before_create
    result = world.run("up")
    world.rpc_hooks.before.clear()
    assert restarts, "the run never reached its third Create"
    killed = first is not None and first.returncode == -9
    scenario = judged(world, result, "between two steps", killed, restarts[0])
    assert killed and scenario.survived, f"{scenario.outcome}: {scenario.message}; {scenario.detail}"


def test_pbs_killed_while_it_holds_a_create(pbs: SimProcess, tmp_path: Path) -> None:
    world = World(pbs, tmp_path, parallel=1)  # one step meets the restart, as in the fault matrix
    world.desire(*config(1))
    fault = pbs.inject_fault("POST", f"{API}/config/sync", delay=HOLD)
    first = pbs.proc
    restarts: list[threading.Thread] = []
    stop = threading.Event()

    def kill_once_held() -> None:
        # the simulator removes a used-up fault when a request takes it: then the POST is held
        while not stop.wait(0.02):
            if not any(f["id"] == fault["id"] for f in pbs.faults()):
                restarts.append(restart_in_background(pbs))
                return

    watcher = threading.Thread(target=kill_once_held, name="kill-when-held", daemon=True)
    watcher.start()
    try:
        result = world.run("up")
    finally:
        stop.set()
        watcher.join(30)
    assert restarts, "the sync job's POST never reached the simulator"
    killed = first is not None and first.returncode == -9
    scenario = judged(world, result, "while it holds a create", killed, restarts[0])
    assert killed and scenario.survived, f"{scenario.outcome}: {scenario.message}; {scenario.detail}"
