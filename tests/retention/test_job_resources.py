"""PruneJob and VerifyJob through the real plugin (tier 1) against the simulator: create, exact diffs,
`delete[]` for removed fields, drift, status outputs on refresh, adopt, preview-time rules and version
gating, replacement on a new id."""

from __future__ import annotations

import pytest

PRUNE = {"server": "cloud", "jobId": "keep-dr", "store": "offsite", "schedule": "daily", "keepDaily": 7}
VERIFY = {"server": "cloud", "jobId": "verify-dr", "store": "offsite", "schedule": "sat 03:00"}


def config(sim, kind, job_id):
    return sim.api("GET", f"/config/{kind}/{job_id}").json()["data"]


def test_prune_job_lifecycle(stack, cloud):
    assert stack.up("prune", "p", {**PRUNE, "keepWeekly": 4, "comment": "dr retention"}) == "create"
    assert config(cloud, "prune", "keep-dr") == {
        "id": "keep-dr",
        "store": "offsite",
        "schedule": "daily",
        "keep-daily": 7,
        "keep-weekly": 4,
        "comment": "dr retention",
    }
    assert stack.plan("prune", "p", {**PRUNE, "keepWeekly": 4, "comment": "dr retention"}) == ("same", [])
    assert stack.up("prune", "p", {**PRUNE, "keepMonthly": 6}) == "update"
    assert config(cloud, "prune", "keep-dr") == {
        "id": "keep-dr",
        "store": "offsite",
        "schedule": "daily",
        "keep-daily": 7,
        "keep-monthly": 6,
    }
    assert stack.plan("prune", "p", {**PRUNE, "jobId": "keep-dr2"}) == ("replace", ["jobId"])


def test_prune_job_drift_and_status_outputs(stack, cloud):
    stack.up("prune", "p", PRUNE)
    cloud.api("PUT", "/config/prune/keep-dr", json={"keep-daily": 3})  # edited by hand in the GUI
    assert stack.refresh("p") == "update"  # one status listing brings the drift and the status outputs
    outputs = stack.outputs("p")
    assert outputs["keepDaily"] == 3
    assert outputs["nextRun"] > cloud.now()
    assert stack.plan("prune", "p", PRUNE) == ("update", [])
    stack.up("prune", "p", PRUNE)
    assert config(cloud, "prune", "keep-dr")["keep-daily"] == 7


def test_prune_job_preview_rules(stack):
    failures = stack.check(
        "prune", "p", {**PRUNE, "keepDaily": 0, "schedule": "every full moon", "maxDepth": 8}
    )
    assert {prop for prop, _ in failures} == {"keepDaily", "schedule", "maxDepth"}
    # PBS checks max-depth against the depth of ns for sync jobs only (src/api2/config/sync.rs);
    # a prune or verify run stops at the deepest level there can be, so both are accepted
    assert stack.check("prune", "p", {**PRUNE, "ns": "a/b/c/d/e/f", "maxDepth": 2}) == []
    assert stack.check("verify", "v", {**VERIFY, "ns": "a/b/c/d/e/f", "maxDepth": 7}) == []
    assert stack.check("prune", "p", {k: v for k, v in PRUNE.items() if k != "schedule"})[0][0] == "schedule"


def test_a_prune_job_saved_with_disable_false_reads_back_without_it(stack, cloud):
    # PBS does not write a false `disable` (pbs-api-types jobs.rs, skip_serializing_if = is_false)
    assert stack.up("prune", "p", {**PRUNE, "disable": False}) == "create"
    assert "disable" not in config(cloud, "prune", "keep-dr")
    stack.refresh("p")  # reads the job back (and the status outputs)
    assert stack.plan("prune", "p", {**PRUNE, "disable": False}) == ("same", [])
    assert stack.up("prune", "p", {**PRUNE, "disable": True}) == "update"
    assert config(cloud, "prune", "keep-dr")["disable"] is True
    assert stack.up("prune", "p", PRUNE) == "update"  # sent as delete[] disable
    assert "disable" not in config(cloud, "prune", "keep-dr")


def test_prune_jobs_need_pbs_2_2_2(stack):
    failures = stack.check("prune", "p", {**PRUNE, "server": "old"})
    assert failures and "2.2.2" in failures[0][1]


def test_verify_job_lifecycle_and_delete_list(stack, cloud):
    assert stack.up("verify", "v", {**VERIFY, "outdatedAfter": 30, "ignoreVerified": True}) == "create"
    # ignoreVerified true is PBS's default: removing it changes nothing
    assert stack.plan("verify", "v", {**VERIFY, "outdatedAfter": 30}) == ("same", [])
    assert stack.up("verify", "v", VERIFY) == "update"  # outdatedAfter removed: sent as delete[]
    job = config(cloud, "verify", "verify-dr")
    assert "outdated-after" not in job
    assert job.get("ignore-verified", True) is True  # absent means PBS's default, true


def test_verify_threads_need_pbs_4_0_20(stack):
    failures = stack.check("verify", "v", {**VERIFY, "server": "old", "readThreads": 2})
    assert failures and failures[0][0] == "readThreads" and "4.0.20" in failures[0][1]


def test_adopt_takes_over_an_existing_job(stack, cloud):
    cloud.api("POST", "/config/verify", json={"id": "by-hand", "store": "offsite", "comment": "old"})
    with pytest.raises(Exception, match="already exists"):
        stack.up("verify", "v", {**VERIFY, "jobId": "by-hand"})
    assert stack.up("verify", "v", {**VERIFY, "jobId": "by-hand", "adopt": True}) == "create"
    assert config(cloud, "verify", "by-hand") == {
        "id": "by-hand",
        "store": "offsite",
        "schedule": "sat 03:00",
    }
