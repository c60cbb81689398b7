"""Section 8: where a job's CPU goes — the project's code against Pulumi's SDK, gRPC and the driver.

One plugin process, driven from one thread and one RPC at a time (so that no process waits for
another while its CPU time is read), serves the engine's steps for N sync jobs twice: through the
real `SyncJob` provider and through `bench.null_provider.NullProvider`, which answers with the same
properties and does nothing else (no validation, no HTTP). The raw baseline of section 2 makes the
same HTTP calls as the real provider. Per step, CPU time per RPC from `/proc/<pid>/stat`:

* Pulumi's SDK and gRPC: the do-nothing provider's plugin CPU (for scale, the plugin's CPU for a
  bare `GetPluginInfo`, an RPC that runs no SDK code, is reported too);
* the project (its provider code and HTTP client): the real provider's plugin CPU minus the
  do-nothing provider's;
* raw `requests`: the baseline's CPU for the same HTTP calls (section 2's side B);
* driver: this process, which stands in for Pulumi's engine (Python here, Go in Pulumi).

The A/B job of section 2 is Check (new) + Create + Delete; a preview of an unchanged job is
Check (unchanged) + Diff. The sum per job says how much of section 2's difference the project
owns and how much is the SDK's and gRPC's, whatever the load of the machine does to wall times.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from google.protobuf import empty_pb2

from .ab import RawClient
from .cpu import cpu_seconds_fine
from .plugin import NULL_T, REMOTE_T, SYNC_T, Plugin, State, engine_inputs, job_fields, remote_fields
from .sim import ExternalSim

JOB_STEPS = ("Check (new)", "Create", "Delete")
PREVIEW_STEPS = ("Check (unchanged)", "Diff (unchanged)")
RAW_FOR = {"Create": "create", "Delete": "delete"}
"""The raw baseline's calls that match a step's HTTP calls (POST + GET; DELETE)."""
GRPC_CALLS = 400
"""`GetPluginInfo` calls per round."""
ROUNDS = 5


class _Meter:
    """CPU seconds per call of the plugin and of this process over a block of calls."""

    def __init__(self, plugin_pid: int) -> None:
        self.plugin_pid = plugin_pid

    def run(self, fn: Callable[[Any], Any], items: list[Any]) -> tuple[list[Any], dict[str, float]]:
        p0, d0 = cpu_seconds_fine(self.plugin_pid), time.process_time()
        out = [fn(item) for item in items]
        n = len(items)
        return out, {
            "plugin": (cpu_seconds_fine(self.plugin_pid) - p0) / n,
            "driver": (time.process_time() - d0) / n,
        }


def _steps(plugin: Plugin, meter: _Meter, type_: str, n: int, first: int) -> dict[str, dict[str, float]]:
    """The five steps for `n` jobs of `type_`, each step as one block of `n` RPCs."""
    host = plugin.host
    jobs = list(range(first, first + n))
    urns = {i: host.urn(type_, f"split-{i}") for i in jobs}
    fields = {i: engine_inputs(type_, job_fields("pbs", i)) for i in jobs}
    cpu: dict[str, dict[str, float]] = {}
    checked, cpu["Check (new)"] = meter.run(lambda i: host.check(urns[i], {}, fields[i])[0], jobs)
    inputs = dict(zip(jobs, checked, strict=True))
    created, cpu["Create"] = meter.run(lambda i: host.create(urns[i], inputs[i]), jobs)
    states = {
        i: State(type_, urns[i], rid, inputs[i], outs) for i, (rid, outs) in zip(jobs, created, strict=True)
    }
    _, cpu["Check (unchanged)"] = meter.run(
        lambda i: host.check(urns[i], states[i].inputs, states[i].inputs, preview=True), jobs
    )
    _, cpu["Diff (unchanged)"] = meter.run(
        lambda i: host.diff(
            urns[i], states[i].id, states[i].outputs, states[i].inputs, states[i].inputs, preview=True
        ),
        jobs,
    )
    _, cpu["Delete"] = meter.run(plugin.delete, [states[i] for i in jobs])
    return cpu


def _median_of(rounds: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {
        step: {kind: statistics.median(r[step][kind] for r in rounds) for kind in rounds[0][step]}
        for step in rounds[0]
    }


def run(sim: ExternalSim, n: int) -> dict[str, Any]:
    """`n` jobs per provider, in `ROUNDS` rounds that alternate which provider goes first; medians."""
    per_round = max(1, n // ROUNDS)
    real_rounds: list[dict[str, dict[str, float]]] = []
    null_rounds: list[dict[str, dict[str, float]]] = []
    grpc_rounds: list[dict[str, float]] = []
    with Plugin([sim]) as plugin:
        plugin.create(REMOTE_T, "bench-remote", remote_fields(sim))  # the jobs pull from it
        assert plugin.host.proc is not None
        meter = _Meter(plugin.host.proc.pid)
        # warm both providers (unpickling, imports, configure(), the one GET /version), then measure
        _steps(plugin, meter, SYNC_T, 2, 90000)
        _steps(plugin, meter, NULL_T, 2, 90000)
        for r in range(ROUNDS):
            order = [(SYNC_T, real_rounds), (NULL_T, null_rounds)]
            if r % 2:
                order.reverse()
            for type_, rounds in order:
                rounds.append(_steps(plugin, meter, type_, per_round, r * per_round))
            _, grpc = meter.run(
                lambda _: plugin.host.stub.GetPluginInfo(empty_pb2.Empty()), list(range(GRPC_CALLS))
            )
            grpc_rounds.append(grpc)
    raw = RawClient(sim)
    raw_rounds: list[dict[str, float]] = []
    try:
        raw.session().get(f"{raw.base}/version", timeout=60).raise_for_status()  # the connection
        for r in range(ROUNDS):
            cpu = {}
            for phase in ("create", "delete"):
                d0 = time.process_time()
                for i in range(r * per_round, (r + 1) * per_round):
                    getattr(raw, phase)(i)
                cpu[phase] = (time.process_time() - d0) / per_round
            raw_rounds.append(cpu)
    finally:
        raw.close()
    sim.api("DELETE", "/config/remote/bench-remote")
    sim.clear_request_log()
    real, null = _median_of(real_rounds), _median_of(null_rounds)
    grpc = {kind: statistics.median(g[kind] for g in grpc_rounds) for kind in grpc_rounds[0]}
    raw_cpu = {phase: statistics.median(r[phase] for r in raw_rounds) for phase in ("create", "delete")}
    steps = {}
    for step in (*JOB_STEPS, *PREVIEW_STEPS):
        steps[step] = {
            "plugin": real[step]["plugin"],
            "sdk_grpc": null[step]["plugin"],
            "project": real[step]["plugin"] - null[step]["plugin"],
            "raw": raw_cpu[RAW_FOR[step]] if step in RAW_FOR else None,
            "driver": real[step]["driver"],
            "driver_null": null[step]["driver"],
        }
    return {
        "jobs": per_round * ROUNDS,
        "rounds": ROUNDS,
        "grpc_per_rpc": grpc,
        "steps": steps,
        "job": _total(steps, JOB_STEPS),
        "preview": _total(steps, PREVIEW_STEPS),
    }


def _total(steps: dict[str, dict[str, Any]], names: tuple[str, ...]) -> dict[str, float]:
    keys = ("plugin", "sdk_grpc", "project", "driver", "driver_null")
    total = {k: sum(steps[s][k] for s in names) for k in keys}
    total["raw"] = sum(steps[s]["raw"] or 0.0 for s in names)
    return total
