"""Section 5: logins per process with password auth (`root@pam` + password, ticket cookie).

(a) The whole program: `up` and `destroy` of a stack with one remote and N jobs through the mini
engine, the server configured with `authId: root@pam` and its password: every `POST
/access/ticket` in the request log is a login (the program process itself makes no PBS call for
this stack, so all of them come from the one plugin process of each run). (b) Tier 1: a fresh
plugin creates N jobs from 4 threads at once — the first requests race for the ticket — then
deletes them. Target: 1 login per server per process.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import program
from .plugin import REMOTE_T, SYNC_T, WORKERS, Plugin, job_fields, remote_fields, run_parallel
from .sim import ExternalSim, summarize_log


def _count(sim: ExternalSim) -> dict[str, Any]:
    counts = summarize_log(sim.request_log())
    sim.clear_request_log()
    return {"logins": counts["logins"], "calls": counts["total"]}


def run(sim: ExternalSim, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {"n": n, "target": "1 per server per process"}
    with tempfile.TemporaryDirectory(prefix="bench-logins-") as tmp:
        stack = program.stack_run(sim, Path(tmp), program.compact_jobs(sim.name, n), password_auth=True)
        sim.clear_request_log()
        for verb in ("up", "destroy"):
            result = program.run_verb(stack, verb)
            if not result.ok:
                raise RuntimeError(f"password-auth {verb} failed: " + "\n".join(result.diagnostics[-5:]))
            out[f"program_{verb}"] = {"processes": 1, **_count(sim)}
    with Plugin([sim]) as setup:
        remote = setup.create(REMOTE_T, "login-remote", remote_fields(sim))
    sim.clear_request_log()
    with Plugin([sim], password_auth=True) as plugin, ThreadPoolExecutor(max_workers=WORKERS) as pool:
        states = run_parallel(
            lambda i: plugin.create(SYNC_T, f"login-{i}", job_fields(sim.name, i)), range(n), pool
        )
        run_parallel(plugin.delete, states, pool)
    out["tier1_parallel"] = {"processes": 1, "workers": WORKERS, **_count(sim)}
    with Plugin([sim]) as cleanup:
        cleanup.delete(remote)
    sim.clear_request_log()
    out["met"] = all(
        out[key]["logins"] <= out[key]["processes"]
        for key in ("program_up", "program_destroy", "tier1_parallel")
    )
    return out
