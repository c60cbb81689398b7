"""Section 2: the provider path against a raw `requests` baseline, same simulator, same run.

For each N: create N sync jobs, then delete them, (A) through the real plugin over gRPC — Check
then Create per job, then Delete per job, from 4 worker threads like the engine feeding the
plugin's 4 gRPC workers — and (B) with plain `requests` sessions on 4 threads making only the
calls a provider needs: `POST /config/sync` and `GET /config/sync/{id}` (the server's view that a
create must return), then `DELETE /config/sync/{id}`. A and B alternate (A first on even
repeats, B first on odd ones) on one simulator; between runs `sync.cfg` is empty again. Reported:
medians of create, delete and total wall time per side, their spread, the ratio A/B of the
medians, HTTP calls per job for each side, and the CPU time per job of each process (the plugin,
the simulator, and this process: the driver, which on side A stands in for the Go engine), read
from `/proc/<pid>/stat` around each run — where the time goes when the cores are the limit.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from . import stats
from .cpu import cpu_seconds
from .plugin import REMOTE_T, SYNC_T, WORKERS, Plugin, job_body, job_fields, remote_fields, run_parallel
from .sim import ExternalSim, summarize_log


class RawClient:
    """The baseline: one pinned `requests.Session` per worker thread, admin token, minimal calls."""

    def __init__(self, sim: ExternalSim) -> None:
        self.sim = sim
        self.base = f"{sim.url}/api2/json"
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self.sim.new_session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def create(self, index: int) -> None:
        body = job_body(index)
        session = self.session()
        session.post(f"{self.base}/config/sync", json=body, timeout=60).raise_for_status()
        session.get(f"{self.base}/config/sync/{body['id']}", timeout=60).raise_for_status()

    def delete(self, index: int) -> None:
        self.session().delete(
            f"{self.base}/config/sync/{job_body(index)['id']}", timeout=60
        ).raise_for_status()

    def warm(self, pool: ThreadPoolExecutor) -> None:
        """Open one keep-alive connection on each worker thread (TLS handshakes are not measured)."""
        barrier = threading.Barrier(WORKERS, timeout=30)

        def one(_: int) -> None:
            barrier.wait()  # all WORKERS threads at once: each gets its own session
            self.session().get(f"{self.base}/version", timeout=60).raise_for_status()

        run_parallel(one, range(WORKERS), pool)

    def close(self) -> None:
        for session in self._sessions:
            session.close()


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def _provider_run(plugin: Plugin, n: int, pool: ThreadPoolExecutor) -> tuple[float, float]:
    t0 = time.perf_counter()
    states = run_parallel(lambda i: plugin.create(SYNC_T, f"job-{i}", job_fields("pbs", i)), range(n), pool)
    t1 = time.perf_counter()
    run_parallel(plugin.delete, states, pool)
    return t1 - t0, time.perf_counter() - t1


def _raw_run(raw: RawClient, n: int, pool: ThreadPoolExecutor) -> tuple[float, float]:
    t0 = time.perf_counter()
    run_parallel(raw.create, range(n), pool)
    t1 = time.perf_counter()
    run_parallel(raw.delete, range(n), pool)
    return t1 - t0, time.perf_counter() - t1


def _one(
    sim: ExternalSim,
    side: str,
    fn: Any,
    n: int,
    samples: dict[str, dict[str, list[float]]],
    calls: dict,
    pids: dict[str, int],
) -> None:
    sim.clear_request_log()
    before = _cpu(pids)
    create_s, delete_s = fn(n)
    after = _cpu(pids)
    for name in pids:
        samples[side].setdefault(f"cpu_{name}", []).append((after[name] - before[name]) / n)
    counts = summarize_log(sim.request_log())
    if sim.sync_job_ids():
        raise RuntimeError(f"{side} run with N={n} left sync jobs behind")
    samples[side]["create"].append(create_s)
    samples[side]["delete"].append(delete_s)
    samples[side]["total"].append(create_s + delete_s)
    calls[side] = {"per_job": counts["total"] / n, "by_kind": counts["by_kind"]}


def run(sim: ExternalSim, sizes: dict[int, int]) -> dict[str, Any]:
    """`sizes`: N → repeats (pairs of A and B runs)."""
    results: list[dict[str, Any]] = []
    with Plugin([sim]) as plugin, ThreadPoolExecutor(max_workers=WORKERS) as pool:
        plugin.create(REMOTE_T, "bench-remote", remote_fields(sim))  # the jobs pull from it
        raw = RawClient(sim)
        try:
            raw.warm(pool)
            # warm the plugin too: imports, configure(), its one GET /version, pooled connections
            warm = run_parallel(
                lambda i: plugin.create(SYNC_T, f"warm-{i}", job_fields("pbs", 80000 + i)),
                range(WORKERS),
                pool,
            )
            run_parallel(plugin.delete, warm, pool)
            for n, repeats in sizes.items():
                samples = {side: {"create": [], "delete": [], "total": []} for side in ("provider", "raw")}
                calls: dict[str, Any] = {}
                pids = {"plugin": plugin.host.proc.pid, "simulator": sim.proc.pid, "driver": os.getpid()}
                for r in range(repeats):
                    order = [
                        ("provider", lambda k: _provider_run(plugin, k, pool)),
                        ("raw", lambda k: _raw_run(raw, k, pool)),
                    ]
                    if r % 2:
                        order.reverse()
                    for side, fn in order:
                        _one(sim, side, fn, n, samples, calls, pids)
                entry: dict[str, Any] = {"n": n, "repeats": repeats, "calls_per_job": calls}
                for side in ("provider", "raw"):
                    entry[side] = {phase: stats.summary(v) for phase, v in samples[side].items()}
                entry["ratio"] = {
                    phase: stats.ratio(entry["provider"][phase]["median"], entry["raw"][phase]["median"])
                    for phase in ("create", "delete", "total")
                }
                entry["per_job"] = {side: entry[side]["total"]["median"] / n for side in ("provider", "raw")}
                entry["cpu_per_job"] = {
                    side: {
                        name[len("cpu_") :]: entry[side][name]["median"]
                        for name in entry[side]
                        if name.startswith("cpu_")
                    }
                    for side in ("provider", "raw")
                }
                results.append(entry)
        finally:
            raw.close()
    sim.api("DELETE", "/config/remote/bench-remote")
    sim.clear_request_log()
    return {"workers": WORKERS, "sizes": results}
