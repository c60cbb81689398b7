"""Two `pulumi up`s of the same stack at the same time, from two processes, against one PBS.

Each run is its own engine, program process and plugin process, with its own state file: two
deploy hosts (or two CI jobs) each with a checkout, or a state backend without a stack lock.
Pulumi Cloud refuses the second update of a stack outright; without that lock, PBS's unique ids
are the only guard, and the provider's handling of "already exists" decides what happens.

Checked:

* PBS ends up with exactly one of each object (no duplicate), nothing either state claims is
  missing on PBS (no lost object), and every object of the stack is known to at least one state
  (no orphan);
* each resource's step in each run either succeeded (the provider took over the object the other
  run created with identical settings: *absorbed*) or failed clearly — an API token can never be
  taken over, since PBS shows its secret only to the run that created it: the loser's message
  names the token and says what to do;
* the stack can go on from one of the two states — the one that knows the most objects — by doing
  what the losers' messages say: its next `up` converges, or, when the race split the objects
  between the two states (each run created some), it converges once the entries it lacks carry
  `adopt: true`; a `preview` after it is clean.

Both runs log in with root@pam's password: taking over a user another run created sets its
password, which PBS allows only to a password login.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from offline_engine import engine
from pbs_sim.testing import start_simulator

from .messages import classify
from .report import REPORT, Scenario
from .stack_under_test import MANAGED, Managed, config, create_outside_objects
from .world import Audit, World

FAULT = "two `up`s of one stack at the same time"


def outcome(result: engine.Result, res: Managed) -> tuple[str, str, str]:
    if any(s.op == "create" and s.urn.endswith(f"::{res.urn}") for s in result.steps):
        return "ok", "", ""
    for line in result.diagnostics:
        if line.startswith("error:") and f"`{res.key}`" in line:
            seen = classify(line, "create", res.kind.noun, res.key, "onprem", res.urn)
            return ("failed clearly" if seen.clear else "failed unclearly"), seen.message_class, seen.line
    return "not attempted", "", ""


def adopting(stack: tuple[dict[str, Any], dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same config with `adopt: true` on every entry that can carry it."""
    settings, wanted = stack
    adopted = dict(settings)
    for key in ("remotes", "syncJobs", "users", "tokens"):
        adopted[key] = {name: {**entry, "adopt": True} for name, entry in settings[key].items()}
    adopted["namespaces"] = [{**entry, "adopt": True} for entry in settings["namespaces"]]
    return adopted, wanted


def test_two_ups_at_the_same_time(tmp_path: Path) -> None:
    with start_simulator(tmp_path / "pbs", datastores=["store1", "offsite"], node="onprem") as sim:
        create_outside_objects(sim)
        for n in (1, 2):
            (tmp_path / f"host-{n}").mkdir()
        worlds = [World(sim, tmp_path / f"host-{n}", password_auth=True) for n in (1, 2)]
        for world in worlds:
            world.desire(*config(1))
        results: list[engine.Result | None] = [None, None]
        start = threading.Barrier(2)

        def deploy(n: int) -> None:
            start.wait(30)
            results[n] = worlds[n].run("up")

        threads = [threading.Thread(target=deploy, args=(n,), name=f"up-{n}") for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(240)
        assert results[0] is not None and results[1] is not None, "an `up` did not finish"
        audits = [world.audit(check_desired=True) for world in worlds]
        # an object one state lacks is the other run's, unless neither state knows it
        orphans = sorted(set(audits[0].orphans) & set(audits[1].orphans))
        lost = sorted(set(audits[0].lost_objects + audits[1].lost_objects))
        duplicates = sorted(set(audits[0].duplicates + audits[1].duplicates))
        missing = sorted(set(audits[0].not_desired) & set(audits[1].not_desired))
        # the state that knows the most objects goes on; its next `up` must converge, adopting
        # (as the losers' messages say) what the other run created
        holder = min((0, 1), key=lambda n: (len(audits[n].orphans), n))
        converge = worlds[holder].run("up")
        adopted = not converge.ok
        if adopted:
            worlds[holder].desire(*adopting(config(1)))
            converge = worlds[holder].run("up")
        settled = worlds[holder].audit(check_desired=True)
        preview = worlds[holder].run("preview")
        converged = converge.ok and settled.agrees and not settled.not_desired
        clean = preview.ok and preview.ops() == []
        notes = [f"orphan {o}" for o in orphans] + [f"not on PBS as desired: {m}" for m in missing]
        notes += [f"after the holder's next up: {p}" for p in settled.problems()]
        if adopted:
            notes.append("the race split the objects: the holder's next up adopted the other run's")
        if not converge.ok:
            errors = [d for d in converge.diagnostics if d.startswith("error:")] or ["?"]
            notes.append(f"the holder's next up failed: {errors[-1][:300]}")
        for n, result in enumerate(results):
            assert result is not None
            for res in MANAGED:
                status, message_class, message = outcome(result, res)
                mine = [p for p in (*lost, *duplicates, *orphans) if f" {res.key}" in p]
                REPORT.add(
                    Scenario(
                        section="concurrent",
                        kind=res.kind.name,
                        op="create",
                        fault=FAULT,
                        exercised=True,
                        outcome=status,
                        message_class=message_class,
                        message=message,
                        lost_objects=sum(1 for p in lost if f" {res.key}" in p),
                        duplicates=sum(1 for p in duplicates if f" {res.key}" in p),
                        orphans=sum(1 for p in orphans if f" {res.key}" in p),
                        converged=converged,
                        clean_preview=clean,
                        detail="; ".join([f"run {n + 1}", *mine, *notes]),
                    )
                )
        cells = [s for s in REPORT.scenarios if s.fault == FAULT]
        failed = [f"{s.kind}: {s.outcome}; {s.message}; {s.detail}" for s in cells if not s.survived]
        assert not failed, "\n".join(failed)
        assert Audit(orphans=orphans, lost_objects=lost, duplicates=duplicates).agrees
