"""Section 4: whole-program runs of the real `__main__.py` through the mini engine (tier 2).

For each N, a stack with one remote and N sync jobs on one simulator goes through `preview`,
first `up`, no-op `up` and `destroy` (`tests.program.StackRun`: the program in a subprocess, the
real plugin, the engine's step logic; steps run in parallel, Pulumi's default). Reported per verb: wall time
(median over repeats), time per resource, the plugin's RPC time and the HTTP calls the verb made,
and the growth exponent over N (least-squares slope of log time on log N; 1 = linear). Because
every run has a fixed cost (program and plugin start, ≈ 1 s), the exponent is also fitted on the
marginal time t(N) - t(1) over N - 1, which is what "per resource" growth means, and on the
time the plugin spent in RPCs (Check, Diff, Create, ...: the provider path with its HTTP calls,
without the program and the engine). `destroy` runs no program, so it has no RPC breakdown.

The jobs are written compactly (short names, only server/store/remote/remoteStore): the
real `pulumi-language-python` hands the whole stack config to the program in ONE environment
variable, `PULUMI_CONFIG`, and Linux refuses to exec with any single environment string over
128 KiB (MAX_ARG_STRLEN, E2BIG "Argument list too long"); the mini engine does the same. The
config size per job is measured and reported, with the largest stack that still starts.

A second limit was the Pulumi Python SDK's: `serialize_provider` nests one more wrapper around
`pickle._Pickler._batch_setitems` per dynamic resource and never removes it, so a plain program dies
with RecursionError at about its 985th dynamic resource (`sdk_limit()` measures where). The
project's resources undo that after each registration (`pbs_provider.resources.resource.
pickler_restored`), so these runs use the program exactly as users do.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from offline_engine import engine
from offline_engine.schedule import default_parallel
from tests.program.stacks import PROJECT, StackRun

from . import stats
from .plugin import job_fields, remote_fields, server_entry, server_secret
from .sim import ExternalSim, summarize_log

MAX_ARG_STRLEN = 131072
"""Linux's limit for one argv or environment string (32 pages of 4 KiB), terminating NUL included."""
VERBS = ("preview", "up", "no-op up", "destroy")
REMOTE_KEY = "rem"
SDK_PROBE_LIMIT = 3000
_SDK_PROBE = f"""
from pulumi.dynamic.dynamic import serialize_provider
from pbs_provider.resources.sync_job import SyncJobProvider
provider = SyncJobProvider()
for i in range(1, {SDK_PROBE_LIMIT} + 1):
    try:
        serialize_provider(provider)
    except RecursionError:
        print(i)
        break
else:
    print(0)
"""


def sdk_limit() -> int | None:
    """At which dynamic resource a program dies of the SDK's nested pickler wrappers (None: not seen)."""
    out = subprocess.run(
        [sys.executable, "-c", _SDK_PROBE], cwd=PROJECT, capture_output=True, text=True, timeout=120
    )
    if out.returncode != 0:
        raise RuntimeError(f"SDK probe failed: {out.stderr[-500:]}")
    count = int(out.stdout.strip() or 0)
    return count or None


def run_verb(stack: StackRun, verb: str, parallel: int | None = None) -> engine.Result:
    """`stack.run(verb)`: the real program through the mini engine (`parallel`: None = Pulumi's default)."""
    return getattr(engine, verb)(str(PROJECT), stack.state, parallel=parallel, **stack.kwargs())


def compact_jobs(server: str, n: int) -> dict[str, dict[str, Any]]:
    return {
        f"j{i:04d}": {
            "server": server,
            "store": "ds1",
            "remote": REMOTE_KEY,
            "remoteStore": "ds2",
        }
        for i in range(n)
    }


def typical_jobs(server: str, n: int) -> dict[str, dict[str, Any]]:
    """Jobs as a real stack writes them (the bench's tier-1 job: schedule, transferLast, comment)."""
    jobs = {}
    for i in range(n):
        fields = job_fields(server, i, comment="nightly copy of the production datastore")
        jobs[fields.pop("jobId")] = {**fields, "remote": REMOTE_KEY}
    return jobs


def stack_run(
    sim: ExternalSim, state_dir: Path, jobs: dict[str, Any], *, password_auth: bool = False
) -> StackRun:
    remote = remote_fields(sim, name=REMOTE_KEY)
    for key in ("password", "name"):
        remote.pop(key)
    run = StackRun(
        "bench",
        state_dir,
        {sim.name: sim},
        remotes={REMOTE_KEY: remote},
        remotePasswords={REMOTE_KEY: sim.admin_token_secret},
        syncJobs=jobs,
    )
    if password_auth:
        run.set(
            servers={sim.name: server_entry(sim, password_auth=True)},
            serverSecrets={sim.name: server_secret(sim, password_auth=True)},
        )
    return run


def config_env(run: StackRun) -> str:
    """The `PULUMI_CONFIG` value the language host would set for this stack."""
    config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in run.kwargs()["config"].items()}
    return json.dumps(config)


def config_env_bytes(run: StackRun) -> int:
    """Length of the `PULUMI_CONFIG=<json>` environment string, terminating NUL included."""
    return len("PULUMI_CONFIG=") + len(config_env(run).encode()) + 1


def _starts(value: str) -> bool:
    """Can a process be started with `PULUMI_CONFIG=value` in its environment?"""
    try:
        subprocess.run([sys.executable, "-c", "pass"], env={"PULUMI_CONFIG": value}, check=True, timeout=30)
    except OSError:
        return False  # E2BIG: "Argument list too long"
    return True


def config_size(sim: ExternalSim) -> dict[str, Any]:
    """Bytes of PULUMI_CONFIG per job and the most jobs one stack can hold on Linux, per job style;
    checked by starting a process with the config of that many jobs, and of a few more."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-cfg-") as tmp:
        for style, make in (("compact", compact_jobs), ("typical", typical_jobs)):
            base = config_env_bytes(stack_run(sim, Path(tmp), make(sim.name, 0)))
            hundred = config_env_bytes(stack_run(sim, Path(tmp), make(sim.name, 100)))
            per_job = (hundred - base) / 100
            limit = int((MAX_ARG_STRLEN - base) // per_job)
            out[style] = {
                "bytes_per_job": round(per_job, 1),
                "base_bytes": base,
                "max_jobs": limit,
                "starts_at_max": _starts(config_env(stack_run(sim, Path(tmp), make(sim.name, limit)))),
                "starts_at_max_plus_5": _starts(
                    config_env(stack_run(sim, Path(tmp), make(sim.name, limit + 5)))
                ),
                "example": next(iter(make(sim.name, 1).items())),
            }
    return out


def _verb(run: StackRun, sim: ExternalSim, verb: str, n: int) -> dict[str, Any]:
    sim.clear_request_log()
    t0 = time.perf_counter()
    result = run_verb(run, "up" if verb == "no-op up" else verb)
    wall = time.perf_counter() - t0
    if not result.ok:
        tail = "\n".join(result.diagnostics[-8:])
        raise RuntimeError(f"{verb} of {n} jobs failed:\n{tail}")
    expected = {"preview": n + 1, "up": n + 1, "no-op up": 0, "destroy": n + 1}[verb]
    if len(result.ops()) != expected:
        raise RuntimeError(
            f"{verb} of {n} jobs: {len(result.ops())} steps changed things, expected {expected}"
        )
    counts = summarize_log(sim.request_log())
    rpc = result.timings.get("rpc_s") or {}
    return {
        "wall_s": wall,
        "program_s": result.timings.get("program_s"),
        "provider_start_s": result.timings.get("provider_start_s"),
        "rpc_s": rpc,
        "calls": counts["total"],
        "calls_by_kind": counts["by_kind"],
    }


def run(
    sim: ExternalSim,
    sizes: dict[int, int],
    at_full: Callable[[ExternalSim, StackRun, int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`sizes`: N → repeats. `at_full(sim, run, n)` runs once, after the first `up` of the largest N."""
    largest = max(sizes)
    per_n: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    for n, repeats in sorted(sizes.items()):
        samples: dict[str, list[dict[str, Any]]] = {verb: [] for verb in VERBS}
        for r in range(repeats):
            with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
                stack = stack_run(sim, Path(tmp), compact_jobs(sim.name, n))
                for verb in VERBS:
                    if verb == "no-op up" and n == largest and r == 0 and at_full is not None:
                        extra = at_full(sim, stack, n)
                    samples[verb].append(_verb(stack, sim, verb, n))
        entry: dict[str, Any] = {"n": n, "resources": n + 1, "repeats": repeats}
        for verb in VERBS:
            walls = [s["wall_s"] for s in samples[verb]]
            summary = stats.summary(walls)
            last = samples[verb][-1]
            entry[verb] = {
                "wall": summary,
                "per_resource_s": summary["median"] / (n + 1),
                "provider_start_s": last["provider_start_s"],
                "rpc_s": last["rpc_s"],
                "calls": last["calls"],
                "calls_by_kind": last["calls_by_kind"],
            }
        per_n.append(entry)
    growth = {}
    for verb in VERBS:
        points = [(e["n"], e[verb]["wall"]["median"]) for e in per_n if e["n"] >= 10]
        base = next((e[verb]["wall"]["median"] for e in per_n if e["n"] == 1), None)
        marginal = [(n - 1, t - base) for n, t in points] if base is not None else []
        rpc = [
            (e["n"], sum(t for k, t in e[verb]["rpc_s"].items() if k not in ("start", "Configure")))
            for e in per_n
            if e["n"] >= 10 and e[verb]["rpc_s"]
        ]
        growth[verb] = {
            "rpc_exponent": stats.growth_exponent([n for n, _ in rpc], [t for _, t in rpc]),
            "rpc_per_resource_s": {str(n): t / (n + 1) for n, t in rpc},
            "exponent": stats.growth_exponent([n for n, _ in points], [t for _, t in points]),
            "exponent_marginal": stats.growth_exponent([n for n, _ in marginal], [t for _, t in marginal]),
            "marginal_per_resource_s": {str(n + 1): (t / n if n else None) for n, t in marginal},
        }
    return {
        "sizes": per_n,
        "parallel": parallel_columns(sim, [n for n in sorted(sizes) if n >= 100]),
        "growth": growth,
        "at_full": extra,
        "config_size": config_size(sim),
        "sdk_recursion_at": sdk_limit(),
        "sdk_workaround": "pbs_provider.resources.resource.pickler_restored (in the product)",
    }


PARALLEL_VERBS = ("up", "no-op up", "destroy")


def parallel_columns(sim: ExternalSim, sizes: list[int]) -> list[dict[str, Any]]:
    """Whole-program `up` / no-op `up` / `destroy` of N jobs with `--parallel 1` and with Pulumi's
    default (4 x CPUs), side by side, with the speed-up (wall time of 1 / wall time of the default)."""
    rows = []
    for n in sizes:
        row: dict[str, Any] = {"n": n, "default_parallel": default_parallel()}
        for label, parallel in (("parallel_1", 1), ("default", None)):
            with tempfile.TemporaryDirectory(prefix="bench-par-") as tmp:
                stack = stack_run(sim, Path(tmp), compact_jobs(sim.name, n))
                for verb in PARALLEL_VERBS:
                    t0 = time.perf_counter()
                    result = run_verb(stack, "up" if verb == "no-op up" else verb, parallel)
                    wall = time.perf_counter() - t0
                    if not result.ok:
                        raise RuntimeError(
                            f"{verb} of {n} jobs (parallel {label}) failed: {result.diagnostics[-3:]}"
                        )
                    row.setdefault(verb, {})[label] = round(wall, 2)
        for verb in PARALLEL_VERBS:
            row[verb]["speedup"] = round(row[verb]["parallel_1"] / row[verb]["default"], 2)
        rows.append(row)
    return rows


if __name__ == "__main__":  # python -m bench.program [N ...]: the parallel columns alone
    from .sim import ExternalSim as _Sim

    with _Sim("pbs") as _sim:
        print(json.dumps(parallel_columns(_sim, [int(a) for a in sys.argv[1:]] or [100]), indent=2))
