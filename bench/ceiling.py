"""Section 6: the simulator's own ceiling, so that the other numbers can be read against it.

Raw keep-alive `requests` sessions on 4 threads (the bench's client side) send a fixed number of
requests as fast as the simulator answers: `GET /version` (no config file involved), `GET
/config/sync/{id}` (parses `sync.cfg`, like PBS does per request), `GET /admin/sync?store=`
(the status of every job of the datastore: what the SyncJob provider reads after each create,
update and refresh) and config writes (`PUT /config/sync/{id}` with a new comment: lock, read,
digest, write, rename). Measured with one job
in `sync.cfg` and again with the largest N of the whole-program runs, because the simulator's
cost per request grows with the size of the config file. Next to each rate: the simulator's CPU
time per request (`/proc/<pid>/stat`), which a shared, loaded machine disturbs far less than the
rate, and the rate one free core would give at that cost.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .cpu import cpu_seconds
from .plugin import WORKERS, job_body, run_parallel
from .sim import ExternalSim


def _rate(pool: ThreadPoolExecutor, count: int, one: Any, pid: int) -> dict[str, Any]:
    cpu0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    run_parallel(one, range(count), pool)
    wall = time.perf_counter() - t0
    cpu = (cpu_seconds(pid) - cpu0) / count
    return {
        "requests": count,
        "wall_s": wall,
        "per_s": count / wall,
        "latency_s": wall * WORKERS / count,
        "sim_cpu_s": cpu,
        "per_s_one_core": 1 / cpu if cpu > 0 else None,
    }


def measure(sim: ExternalSim, job_id: str, gets: int, writes: int, label: str) -> dict[str, Any]:
    """Requests per second for GETs and config writes against `job_id` (which must exist)."""
    local = threading.local()
    base = f"{sim.url}/api2/json"

    def session() -> Any:
        s = getattr(local, "session", None)
        if s is None:
            s = local.session = sim.new_session()
        return s

    def get_version(_: int) -> None:
        session().get(f"{base}/version", timeout=60).raise_for_status()

    def get_job(_: int) -> None:
        session().get(f"{base}/config/sync/{job_id}", timeout=60).raise_for_status()

    def list_status(_: int) -> None:
        session().get(f"{base}/admin/sync", params={"store": "ds1"}, timeout=120).raise_for_status()

    def put_job(i: int) -> None:
        session().put(
            f"{base}/config/sync/{job_id}", json={"comment": f"c{i}"}, timeout=60
        ).raise_for_status()

    jobs = len(sim.sync_job_ids())
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        barrier = threading.Barrier(WORKERS, timeout=30)

        def warm(_: int) -> None:
            barrier.wait()
            get_version(0)

        run_parallel(warm, range(WORKERS), pool)
        pid = sim.proc.pid
        out = {
            "label": label,
            "jobs_in_sync_cfg": jobs,
            "workers": WORKERS,
            "get_version": _rate(pool, gets, get_version, pid),
            "get_sync_job": _rate(pool, max(gets // 4, WORKERS), get_job, pid),
            "get_admin_sync": _rate(pool, max(gets // 50, WORKERS), list_status, pid),
            "config_write": _rate(pool, writes, put_job, pid),
        }
    sim.clear_request_log()
    return out


def run_small(sim: ExternalSim, gets: int, writes: int) -> dict[str, Any]:
    """The ceiling with one job in `sync.cfg` (plus the remote it needs)."""
    sim.api(
        "POST",
        "/config/remote",
        json={
            "name": "bench-remote",
            "host": "127.0.0.1",
            "auth-id": sim.admin_token_id,
            "password": sim.admin_token_secret,
        },
    ).raise_for_status()
    body = job_body(70000)
    sim.api("POST", "/config/sync", json=body).raise_for_status()
    try:
        return measure(sim, body["id"], gets, writes, "1 job")
    finally:
        sim.api("DELETE", f"/config/sync/{body['id']}").raise_for_status()
        sim.api("DELETE", "/config/remote/bench-remote").raise_for_status()
        sim.clear_request_log()
