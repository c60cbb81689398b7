"""A replication's `retention` and `verify` through the real program and the engine stand-in on two
simulators: the prune and verify jobs are created on the target after its namespace, a run prunes the
replicated backups by PBS's keep rules, a keep option change is one in-place update, drift is found and
healed, removing `retention` deletes only the prune job, and removing the replication deletes both jobs and
never a backup."""

from __future__ import annotations

from tests.lifecycle.support import CHILDREN, PUSH, objects, sims, stack

REPLICATED = ["ct/200/2024-05-01T00:00:00Z", "ct/200/2024-05-02T00:00:00Z"] + [
    f"vm/100/2024-05-0{day}T00:00:00Z" for day in (1, 2, 3)
]


def live(sim, kind: str) -> dict[str, dict]:
    return {job["id"]: job for job in sim.api("GET", f"/config/{kind}").json()["data"]}


def writes(sim) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sim.request_log() if e["method"] != "GET"]


def test_retention_and_verify_of_a_push_live_on_the_target_and_go_with_their_keys(pbs_sim_factory, tmp_path):
    servers = sims(pbs_sim_factory)
    onprem, cloud = servers["onprem"], servers["cloud"]
    entry = {**PUSH, "retention": {"keepLast": 2}, "verify": True}
    run = stack(servers, tmp_path, offsite=entry)

    preview = run.preview()
    assert preview.ok, preview.diagnostics
    assert {("create", "offsite-prune"), ("create", "offsite-verify")} <= set(preview.ops())
    up = run.up()
    assert up.ok, up.diagnostics
    assert live(cloud, "prune") == {
        "offsite": {"id": "offsite", "store": "offsite", "ns": "dr", "schedule": "hourly", "keep-last": 2},
    }  # fmt: skip
    assert live(cloud, "verify") == {
        "offsite": {"id": "offsite", "store": "offsite", "ns": "dr", "schedule": "daily"},
    }  # fmt: skip
    assert live(onprem, "prune") == live(onprem, "verify") == {}  # the source has none
    namespace, component = run.resource("offsite-namespace"), run.resource("offsite")
    for child in ("offsite-prune", "offsite-verify"):
        assert run.resource(child)["dependencies"] == [namespace["urn"]]
        assert run.resource(child)["parent"] == component["urn"]
    assert up.outputs["replications"]["offsite"]["pruneJobId"] == "offsite"
    assert up.outputs["replications"]["offsite"]["verifyJobId"] == "offsite"
    assert run.preview().ops() == []

    # the sync fills the target; the prune job keeps the newest 2 of each group (PBS's keep-last)
    _, status = onprem.run_sync_job("offsite")
    assert status["exitstatus"] == "OK", status
    assert cloud.snapshot_names("offsite", "dr") == REPLICATED
    upid = cloud.api("POST", "/admin/prune/offsite/run").json()["data"]
    assert cloud.wait_task(upid)["exitstatus"] == "OK"
    assert cloud.snapshot_names("offsite", "dr") == [
        name for name in REPLICATED if "vm/100/2024-05-01" not in name
    ]
    kept = cloud.snapshot_names("offsite", "dr")

    # a keep option changes in place: one update, one PUT of that job, nothing else written
    cloud.clear_request_log()
    onprem.clear_request_log()
    run.set(replications={"offsite": {**entry, "retention": {"keepLast": 3, "keepDaily": 7}}})
    up = run.up()
    assert up.ok and up.ops() == [("update", "offsite-prune")], up.diagnostics
    assert writes(cloud) == [("PUT", "/api2/json/config/prune/offsite")] and writes(onprem) == []
    assert live(cloud, "prune")["offsite"] == {
        "id": "offsite", "store": "offsite", "ns": "dr", "schedule": "hourly", "keep-last": 3,
        "keep-daily": 7,
    }  # fmt: skip

    # drift: a verify job edited by hand shows in refresh, and up puts it back
    cloud.api("PUT", "/config/verify/offsite", json={"schedule": "sun 05:00"}).raise_for_status()
    assert ("update", "offsite-verify") in run.refresh().ops()
    assert run.preview().ops() == [("update", "offsite-verify")]
    assert run.up().ok
    assert live(cloud, "verify")["offsite"]["schedule"] == "daily"
    assert run.preview().ops() == []

    # removing `retention` deletes the prune job only; the verify job and the backups stay
    run.set(replications={"offsite": {**PUSH, "verify": True}})
    up = run.up()
    assert up.ok and up.ops() == [("delete", "offsite-prune")], up.diagnostics
    assert live(cloud, "prune") == {} and set(live(cloud, "verify")) == {"offsite"}
    assert cloud.snapshot_names("offsite", "dr") == kept

    # removing the replication deletes the verify job with the rest, and keeps the namespace and backups
    run.set(replications={})
    up = run.up()
    assert up.ok, up.diagnostics
    deleted = {name for op, name in up.ops() if op == "delete"} - set(up.retained())
    assert deleted == {f"offsite-{child}" for child in (*CHILDREN, "verify")}
    assert live(cloud, "verify") == {} and live(cloud, "prune") == {}
    assert objects(servers).namespaces == {("cloud", "offsite", "dr")}
    assert cloud.snapshot_names("offsite", "dr") == kept


def test_a_pull_replication_gets_its_prune_job_on_its_own_server(pbs_sim_factory, tmp_path):
    servers = sims(pbs_sim_factory)
    onprem, cloud = servers["onprem"], servers["cloud"]
    pull = {
        "direction": "pull",
        "source": {"server": "cloud", "store": "offsite"},
        "target": {"server": "onprem", "store": "store1", "ns": "from-cloud"},
        "retention": {"keepLast": 1},
    }
    run = stack(servers, tmp_path, inbound=pull)
    up = run.up()
    assert up.ok, up.diagnostics
    assert live(onprem, "prune")["inbound"]["ns"] == "from-cloud" and live(cloud, "prune") == {}
    _, status = onprem.run_sync_job("inbound")
    assert status["exitstatus"] == "OK", status
    upid = onprem.api("POST", "/admin/prune/inbound/run").json()["data"]
    assert onprem.wait_task(upid)["exitstatus"] == "OK"
    assert onprem.snapshot_names("store1", "from-cloud") == ["ct/300/2024-05-02T00:00:00Z"]
    assert onprem.snapshot_names("store1") != []  # the rest of the datastore is not the job's
    assert cloud.snapshot_names("offsite") == ["ct/300/2024-05-01T00:00:00Z", "ct/300/2024-05-02T00:00:00Z"]
