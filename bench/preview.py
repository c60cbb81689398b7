"""Section 3: the cost of a preview — Check + Diff through the plugin for N unchanged jobs.

Runs on the state the first whole-program `up` of the largest N left behind (real inputs and
outputs of real jobs): a fresh plugin gets Check(olds=stored inputs, news=the same inputs,
preview) and Diff(stored outputs, checked inputs) per job, once from 1 driver thread (latency
per resource) and once from 4 (the engine's parallelism), a few times each. Every Diff must say
"no change"; the HTTP calls made are counted (target: none but one `GET /version`). The CPU time of
the plugin and of this process (the driver) per resource is recorded too.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pulumi.runtime.proto import provider_pb2

from offline_engine.engine import load_state
from tests.program.stacks import StackRun

from . import stats
from .cpu import cpu_seconds
from .plugin import SYNC_T, WORKERS, Plugin, run_parallel
from .sim import ExternalSim, summarize_log


def _check_diff(plugin: Plugin, resource: dict[str, Any]) -> None:
    host, urn = plugin.host, resource["urn"]
    checked, _ = host.check(urn, resource["inputs"], resource["inputs"], preview=True)
    diff = host.diff(urn, resource["id"], resource["outputs"], checked, resource["inputs"], preview=True)
    if diff.changes != provider_pb2.DiffResponse.DIFF_NONE:
        raise RuntimeError(f"preview of an unchanged job shows a change: {urn} {diff}")


def run(sim: ExternalSim, stack: StackRun, repeats: int) -> dict[str, Any]:
    jobs = [r for r in load_state(stack.state)["resources"] if r["type"] == SYNC_T]
    out: dict[str, Any] = {"jobs": len(jobs), "repeats": repeats}
    for workers in (1, WORKERS):
        samples = []
        sim.clear_request_log()
        with Plugin([sim]) as plugin, ThreadPoolExecutor(max_workers=workers) as pool:
            _check_diff(plugin, jobs[0])  # first RPC of a process: unpickle, import, configure()
            assert plugin.host.proc is not None
            pids = {"plugin": plugin.host.proc.pid, "driver": os.getpid()}
            cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
            for _ in range(repeats):
                t0 = time.perf_counter()
                run_parallel(lambda job, p=plugin: _check_diff(p, job), jobs, pool)
                samples.append(time.perf_counter() - t0)
            done = repeats * len(jobs)
            cpu = {name: (cpu_seconds(pid) - cpu0[name]) / done for name, pid in pids.items()}
        counts = summarize_log(sim.request_log())
        summary = stats.summary(samples)
        out[f"workers_{workers}"] = {
            "total": summary,
            "per_resource_s": summary["median"] / len(jobs),
            "calls": counts["total"],
            "calls_by_kind": counts["by_kind"],
            "cpu_per_resource_s": cpu,
        }
    return out
