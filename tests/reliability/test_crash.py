"""The plugin process is killed (SIGKILL) in the middle of an `up` or a `refresh`; the next run
converges.

Where it dies matters, so each scenario picks its moment:

* between steps: just before the engine sends the third Create (two resources exist, four not);
* while PBS works on a request: when the request reaches the simulator (which then handles it —
  the plugin never sees the answer), for a create, an update, a delete and a refresh read.

After the crash the run must have failed with a message that names the operation (the RPC the
engine lost) and the resource (`messages.classify`: a killed process cannot say more; what to do
next — run `up` again — is what the scenario then checks), state and PBS must agree
(`World.audit`), and the next `up` (after a `refresh` for the refresh case) must converge with a
clean `preview` after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from offline_engine import engine
from offline_engine.provider_host import DynamicProviderHost
from pbs_sim.testing import start_simulator

from .engine_hooks import kill_plugin
from .messages import Seen, classify
from .report import REPORT, Scenario
from .stack_under_test import API, MANAGED, config, create_outside_objects
from .world import World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with start_simulator(tmp_path / "pbs", datastores=["store1", "offsite"], node="onprem") as sim:
        create_outside_objects(sim)
        yield World(sim, tmp_path)


def kill_current(world: World) -> Callable[[], None]:
    """A callback that kills the plugin of the run in progress."""
    return lambda: kill_plugin(world.plugin_log.hosts[-1])


def crashed(world: World, verb: str, what: str, kind: str, op: str) -> Scenario:
    """Run `verb` (the crash happens inside), then check agreement and convergence."""
    started = len(world.plugin_log.hosts)
    result = world.run(verb)
    killed = any(h.proc is not None and h.proc.returncode == -9 for h in world.plugin_log.hosts[started:])
    audit = world.audit()
    if verb == "refresh":
        world.run("refresh")
    converge = world.run("up")
    settled = world.audit(check_desired=True)
    preview = world.run("preview")
    clean = preview.ok and preview.ops() == []
    # A plugin killed after PBS created an object but before the engine recorded it leaves an object
    # the state cannot know (the real engine too: a "pending create"). What counts is the next `up`:
    # it must take that object over (no duplicate, no failure) and leave nothing unknown behind.
    notes = [f"after the crash: {p}" for p in audit.problems() if not p.startswith("orphan")]
    notes += [
        f"after the crash (taken over by the next up): {p}"
        for p in audit.problems()
        if p.startswith("orphan")
    ]
    notes += [f"after the next up: {p}" for p in settled.problems()]
    if not converge.ok:
        notes.append(f"next up failed: {_last(converge.diagnostics)}")
    if not clean:
        notes.append(f"preview not clean: {preview.ops() or _last(preview.diagnostics)}")
    seen = crash_message(result, op)
    if not result.ok and not seen.clear:
        notes.append(f"unclear message: {seen.line}")
    scenario = REPORT.add(
        Scenario(
            section="crash",
            kind=kind,
            op=op,
            fault=f"plugin killed {what}",
            exercised=killed,
            outcome="ok" if result.ok else ("failed clearly" if seen.clear else "failed unclearly"),
            message_class=seen.message_class if not result.ok else "",
            message=seen.line if not result.ok else "",
            lost_objects=len(set(audit.lost_objects + settled.lost_objects)),
            orphans=len(set(settled.orphans)),
            duplicates=len(set(audit.duplicates + settled.duplicates)),
            lost_updates=len(set(audit.lost_updates + settled.lost_updates)),
            converged=converge.ok and settled.agrees and not settled.not_desired,
            clean_preview=clean,
            detail="; ".join(notes),
        )
    )
    assert killed and not result.ok, "the plugin was not killed during the run"
    return scenario


def crash_message(result: engine.Result, op: str) -> Seen:
    """The error the failed run showed for the lost RPC, classified (the first clear one wins)."""
    seen = Seen("none", False, _last(result.diagnostics))
    for line in (d for d in result.diagnostics if d.startswith("error:")):
        urn = next((m.urn for m in MANAGED if f"::{m.urn}" in line), "(no resource named)")
        found = classify(line, op, "", "", "", urn)
        if found.clear:
            return found
        seen = found
    return seen


def _last(diagnostics: list[str]) -> str:
    errors = [d for d in diagnostics if d.startswith("error:")] or diagnostics or ["?"]
    return errors[-1].strip().splitlines()[-1]


def test_killed_between_steps(world: World) -> None:
    world.desire(*config(1))
    creates = [0]

    def before_create(host: DynamicProviderHost, _request: object) -> None:
        creates[0] += 1
        if creates[0] == 3:
            kill_plugin(host)

    world.rpc_hooks.before["Create"] = before_create
    scenario = crashed(world, "up", "between two steps", "(stack)", "create")
    world.rpc_hooks.before.clear()
    assert scenario.survived, scenario.detail


@pytest.mark.parametrize(
    "op,method,path",
    [
        ("update", "PUT", f"{API}/config/sync/rel-job"),
        ("delete", "DELETE", f"{API}/config/sync/rel-job"),
        ("refresh", "GET", f"{API}/*/sync*"),  # the item or the status listing
    ],
)
def test_killed_while_pbs_handles_a_request(world: World, op: str, method: str, path: str) -> None:
    world.desire(*config(1))
    assert world.run("up").ok
    world.desire(*config(None if op == "delete" else 2))
    if op == "refresh":
        assert world.run("up").ok
    world.hooks.on_request(method, path, kill_current(world))
    scenario = crashed(
        world, "refresh" if op == "refresh" else "up", "while PBS handles its request", "SyncJob", op
    )
    assert scenario.survived, scenario.detail


def test_killed_while_pbs_creates(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hardest moment: PBS creates the object, the plugin dies before it can report it. The
    state cannot know the object; the next `up` must still converge.

    Run with `--parallel 1` (`PULUMI_PARALLEL=1`) so that the job's create is the only one in flight:
    with parallel steps the kill also interrupts the creates running beside it, and an API token
    created that way cannot be taken over (PBS shows its secret only once), so the next `up` stops
    with "already exists ... set `adopt: true`"."""
    monkeypatch.setenv("PULUMI_PARALLEL", "1")
    world.desire(*config(1))
    world.hooks.on_request("POST", f"{API}/config/sync", kill_current(world))
    scenario = crashed(world, "up", "while PBS handles its request", "SyncJob", "create")
    assert scenario.survived, scenario.detail
