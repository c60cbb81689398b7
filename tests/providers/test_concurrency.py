"""The engine runs independent steps in parallel and the plugin serves them from 4 threads with
one shared provider instance: concurrent creates and updates of jobs in the same `sync.cfg`
(one digest for the whole file) must all land."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .driver import Stack

JOBS = [f"par-{i}" for i in range(8)]


def test_parallel_creates_and_updates_all_land(plugin, onprem):
    stacks = {job: Stack(plugin) for job in JOBS}

    def fields(job: str, comment: str) -> dict:
        return {
            "server": "onprem",
            "jobId": job,
            "store": "store1",
            "remoteStore": "store2",
            "comment": comment,
        }

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(lambda j: stacks[j].up("sync", "x", fields(j, "one")), JOBS)) == ["create"] * 8
        assert (
            list(pool.map(lambda j: stacks[j].up("sync", "x", fields(j, f"two {j}")), JOBS)) == ["update"] * 8
        )
    for job in JOBS:
        assert onprem.api("GET", f"/config/sync/{job}").json()["data"]["comment"] == f"two {job}"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda j: stacks[j].destroy("x"), JOBS))
    assert all(onprem.api("GET", f"/config/sync/{job}").status_code == 400 for job in JOBS)
