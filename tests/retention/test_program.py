"""`pruneJobs` and `verifyJobs` through the real program and the engine stand-in on a simulator:
created after the namespace they work in, converged (clean preview), changed in place, a run prunes
the replicated backups by PBS's keep rules, and removing the entries deletes the jobs (never backups)."""

from __future__ import annotations

from tests.program.stacks import StackRun

NAMESPACES = [{"server": "cloud", "store": "offsite", "ns": "dr"}]
PRUNE = {
    "keep-dr": {"server": "cloud", "store": "offsite", "ns": "dr", "schedule": "daily", "keepLast": 2},
}
VERIFY = {"verify-dr": {"server": "cloud", "store": "offsite", "ns": "dr", "schedule": "sat 03:00"}}


def live(sim, kind, job_id):
    return sim.api("GET", f"/config/{kind}/{job_id}").json()["data"]


def test_prune_and_verify_jobs_from_the_stack_config(pbs_sim_factory, tmp_path):
    cloud = pbs_sim_factory("cloud", datastores=["offsite"])
    run = StackRun(
        "retention", tmp_path, {"cloud": cloud}, namespaces=NAMESPACES, pruneJobs=PRUNE, verifyJobs=VERIFY
    )

    preview = run.preview()
    assert preview.ok, preview.diagnostics
    assert sorted(preview.ops()) == [
        ("create", "cloud:offsite:dr"),
        ("create", "keep-dr"),
        ("create", "verify-dr"),
    ]
    up = run.up()
    assert up.ok, up.diagnostics
    assert live(cloud, "prune", "keep-dr") == {
        "id": "keep-dr", "store": "offsite", "ns": "dr", "schedule": "daily", "keep-last": 2,
    }  # fmt: skip
    assert live(cloud, "verify", "verify-dr")["schedule"] == "sat 03:00"
    # the jobs wait for the namespace they work in
    assert run.resource("keep-dr")["dependencies"] == [run.resource("cloud:offsite:dr")["urn"]]
    assert run.preview().ops() == []

    cloud.seed_content({"offsite": [{"group": "vm/100", "ns": "dr", "snapshots": 5}]})
    upid = cloud.api("POST", "/admin/prune/keep-dr/run").json()["data"]
    assert cloud.wait_task(upid)["exitstatus"] == "OK"
    assert len(cloud.snapshot_names("offsite", "dr")) == 2

    run.set(pruneJobs={"keep-dr": {**PRUNE["keep-dr"], "keepLast": 3, "keepWeekly": 4}})
    up = run.up()
    assert up.ok and up.ops() == [("update", "keep-dr")], up.diagnostics
    assert live(cloud, "prune", "keep-dr")["keep-weekly"] == 4

    run.set(pruneJobs={}, verifyJobs={})
    up = run.up()
    assert up.ok, up.diagnostics
    assert sorted(up.ops()) == [("delete", "keep-dr"), ("delete", "verify-dr")]
    assert cloud.api("GET", "/config/prune").json()["data"] == []
    assert len(cloud.snapshot_names("offsite", "dr")) == 2  # removing a job never touches backups
