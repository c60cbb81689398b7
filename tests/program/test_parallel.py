"""Parallel writes through the program: 100 sync jobs created by one `up`, then all changed by the next
(a shared schedule), with Pulumi's default parallelism, against one simulator (one `sync.cfg`).

Checked: both runs succeed, every job on PBS holds exactly the configured values (no lost update), and
the digest-mismatch / job-lock retries the runs needed are counted from the simulator's request log
(a refused write is retried by the client; each refusal is one retry) and printed.
"""

from __future__ import annotations

from collections import Counter

from offline_engine import engine
from offline_engine.schedule import default_parallel

from .stacks import PROJECT, StackRun

JOBS = 100
WRITES = {"POST", "PUT", "DELETE"}


def jobs(schedule: str) -> dict[str, dict[str, str]]:
    return {
        f"par-{i:03d}": {
            "server": "onprem",
            "store": "store1",
            "remote": "cloud",
            "remoteStore": "offsite",
            "schedule": schedule,
        }
        for i in range(JOBS)
    }


def refused_writes(sim) -> Counter:
    """Write requests PBS refused, by status (400: digest mismatch; 500: job lock busy)."""
    return Counter(e["status"] for e in sim.request_log() if e["method"] in WRITES and e["status"] != 200)


def test_100_jobs_created_then_all_changed_in_parallel_lose_nothing(pbs_sim_factory, tmp_path, capsys):
    onprem = pbs_sim_factory("onprem", datastores=["store1"])
    cloud = pbs_sim_factory("cloud", datastores=["offsite"])
    remote = {"server": "onprem", "host": cloud.host, "port": cloud.port, "authId": cloud.admin_token_id,
              "fingerprint": cloud.fingerprint}  # fmt: skip
    run = StackRun(
        "dev",
        tmp_path,
        {"onprem": onprem, "cloud": cloud},
        remotes={"cloud": remote},
        remotePasswords={"cloud": cloud.admin_token_secret},
        syncJobs=jobs("daily"),
    )
    retries = {}
    for phase, schedule in (("create", "daily"), ("change all", "hourly")):
        run.set(syncJobs=jobs(schedule))
        onprem.clear_request_log()
        dep = engine.Deployment(str(PROJECT), run.state, preview=False, **run.kwargs())
        result = dep.run()
        assert result.ok, result.diagnostics[-5:]
        expected = "create" if phase == "create" else "update"
        assert sum(1 for op, n in result.ops() if op == expected and n.startswith("par-")) == JOBS
        live = {j["id"]: j for j in onprem.api("GET", "/config/sync").json()["data"]}
        assert {k: live[k].get("schedule") for k in jobs(schedule)} == dict.fromkeys(jobs(schedule), schedule)
        assert dep.parallel == default_parallel() and dep.scheduler.max_running > 1
        retries[phase] = dict(refused_writes(onprem))
    with capsys.disabled():
        print(f"\n{JOBS} jobs in parallel ({default_parallel()}): refused and retried writes {retries}")
