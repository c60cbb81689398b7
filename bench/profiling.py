"""Section 7: where the plugin's time goes — cProfile inside the plugin process, per RPC.

One plugin is started with `bench/plugin_profiler` on its `PYTHONPATH` (its `sitecustomize`
profiles each RPC method in the plugin's own worker threads) and driven from one thread through
the engine's steps for N sync jobs: Check + Create, Check + Diff of the unchanged job (preview),
Check + Diff + Update of a changed comment, Delete. When the plugin is stopped it writes one
profile per RPC; this module reads them and reports, per RPC, the time the profiler saw per call,
its split into areas (gRPC and protobuf, the Pulumi SDK, the event loop the SDK opens per RPC,
pydantic, the HTTP client, the provider's own code; built-ins and standard-library code count for
their callers) and the top entries. The plugin's
own times are inflated by the profiler; the split and the order of the entries are what to read.
"""

from __future__ import annotations

import pstats
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from .plugin import REMOTE_T, SYNC_T, Plugin, job_fields, remote_fields
from .sim import PROJECT, ExternalSim

PROFILER_DIR = Path(__file__).resolve().parent / "plugin_profiler"
RPCS = ("Check", "Diff", "Create", "Update", "Delete")
TOP = 12

AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gRPC + protobuf", ("/grpc/", "/google/protobuf/", "grpc", "protobuf")),
    ("SDK event loop (asyncio)", ("/asyncio/",)),
    ("Pulumi SDK", ("/pulumi/", "/dill/", "/semver/")),
    ("pydantic", ("/pydantic/", "pydantic_core", "/typing.py", "/typing_extensions")),
    (
        "HTTP client (requests, urllib3, TLS)",
        ("/requests/", "/urllib3/", "/http/", "/ssl.py", "_ssl", "/email/"),
    ),
    ("provider (pbs_provider, pbs_types)", ("/pbs_provider/", "/pbs_types/")),
)
OTHER = "other (stdlib, built-ins)"


def _own_area(filename: str, function: str) -> str | None:
    """The area of an entry by its file (built-ins by their name); None for the rest."""
    where = filename if filename != "~" else function
    for name, needles in AREAS:
        if any(needle in where for needle in needles):
            return name
    return None


def split_by_area(entries: dict[Any, Any]) -> dict[str, float]:
    """Own time per area. Built-ins and standard-library code belong to whoever called them: their
    time is split over their callers (by the time spent for each), up to the first caller that has
    an area; what has none (the profiler's own wrapper) is `OTHER`."""
    shares: dict[Any, dict[str, float]] = {}

    def share(key: Any, seen: frozenset[Any]) -> dict[str, float]:
        if key in shares:
            return shares[key]
        own = _own_area(key[0], key[2])
        if own is not None:
            return {own: 1.0}
        callers = entries[key][4] if key in entries else {}
        weights = {c: v[2] or v[1] for c, v in callers.items() if c not in seen}
        total = sum(weights.values())
        if not total:
            result = {OTHER: 1.0}
        else:
            result = {}
            for caller, weight in weights.items():
                for name, part in share(caller, seen | {key}).items():
                    result[name] = result.get(name, 0.0) + part * weight / total
        if not seen:
            shares[key] = result
        return result

    by_area: dict[str, float] = {}
    for key, (_cc, _nc, tt, _ct, _callers) in entries.items():
        for name, part in share(key, frozenset()).items():
            by_area[name] = by_area.get(name, 0.0) + tt * part
    return by_area


def _where(filename: str, line: int, function: str) -> str:
    if filename == "~":
        return function
    path = filename
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif path.startswith(str(PROJECT)):
        path = path[len(str(PROJECT)) + 1 :]
    elif "/lib/python3" in path:
        path = "stdlib/" + path.split("/lib/python3", 1)[1].split("/", 1)[1]
    return f"{path}:{line}({function})"


def analyse(stats: pstats.Stats, calls: int) -> dict[str, Any]:
    """Per-call seconds, the split by area (share of own time) and the top entries of one RPC."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values()) or 1e-12
    by_area = split_by_area(entries)
    rows = [
        (_where(filename, line, function), nc, tt, ct)
        for (filename, line, function), (_cc, nc, tt, ct, _callers) in entries.items()
    ]

    def top(key: int, skip_wrappers: bool) -> list[dict[str, Any]]:
        chosen = sorted(rows, key=lambda r: r[key], reverse=True)
        if skip_wrappers:
            chosen = [r for r in chosen if "plugin_profiler" not in r[0] and "grpc/_server.py" not in r[0]]
        return [
            {
                "entry": where,
                "calls_per_rpc": nc / calls,
                "own_s_per_rpc": tt / calls,
                "cumulative_s_per_rpc": ct / calls,
            }
            for where, nc, tt, ct in chosen[:TOP]
        ]

    return {
        "calls": calls,
        "profiled_s_per_rpc": total / calls,
        "areas": {name: t / total for name, t in sorted(by_area.items(), key=lambda kv: -kv[1])},
        "top_own": top(2, False),
        "top_cumulative": top(3, True),
    }


def _warm(plugin: Plugin, out: Path) -> None:
    """One job through every step, then drop the profiles: imports and unpickling are not measured."""
    state = plugin.create(SYNC_T, "warm", job_fields("pbs", 89999))
    plugin.plan(state, job_fields("pbs", 89999))
    _, state = plugin.up(state, job_fields("pbs", 89999, comment="warm"))
    plugin.delete(state)
    assert plugin.host.proc is not None
    plugin.host.proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while not (out / "reset").exists():  # the plugin writes it once the profiles are dropped
        if time.monotonic() > deadline:
            raise RuntimeError("the profiled plugin did not confirm the reset (SIGUSR1)")
        time.sleep(0.01)


def run(sim: ExternalSim, n: int, keep: Path | None = None) -> dict[str, Any]:
    """Profile N jobs through create, preview, update and delete; returns the per-RPC analysis.
    `keep`: a directory that receives the raw `<RPC>.prof` files (for `python -m pstats`)."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as out:
        env = {"PYTHONPATH": str(PROFILER_DIR), "PBS_BENCH_PROFILE_DIR": out}
        plugin = Plugin([sim], env=env)
        try:
            remote = plugin.create(REMOTE_T, "bench-remote", remote_fields(sim))
            _warm(plugin, Path(out))
            states = [plugin.create(SYNC_T, f"job-{i}", job_fields("pbs", 90000 + i)) for i in range(n)]
            for i, state in enumerate(states):
                step, _ = plugin.plan(state, job_fields("pbs", 90000 + i))
                if step != "same":
                    raise RuntimeError(f"preview of an unchanged job shows {step}")
            updated = []
            for i, state in enumerate(states):
                step, new = plugin.up(state, job_fields("pbs", 90000 + i, comment="profiled"))
                if step != "update":
                    raise RuntimeError(f"a changed comment gives {step}, not update")
                updated.append(new)
            for state in updated:
                plugin.delete(state)
            plugin.delete(remote)
        finally:
            plugin.close()
        calls = dict(line.split() for line in (Path(out) / "calls.txt").read_text().splitlines())
        result: dict[str, Any] = {"jobs": n, "rpcs": {}}
        for rpc in RPCS:
            path = Path(out) / f"{rpc}.prof"
            if path.exists():
                result["rpcs"][rpc] = analyse(pstats.Stats(str(path)), int(calls[rpc]))
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, keep / path.name)
    sim.clear_request_log()
    return result
