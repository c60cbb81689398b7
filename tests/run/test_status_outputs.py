"""A SyncJob's status outputs (`nextRun`, `lastRunState`, `lastRunUpid`, `lastRunEndtime`) come from
`GET /admin/sync`, follow a run-now after a refresh, and never make a diff (dev stack, mini engine)."""

from __future__ import annotations

import io

from pbs_provider.run import RunSettings, run_job
from pbs_provider.stack_jobs import find_job, stack_jobs
from tests.run.support import dev_stack, dev_world, loaded

STATUS = ("nextRun", "lastRunState", "lastRunUpid", "lastRunEndtime")


def test_status_outputs_follow_a_run_now_without_causing_a_diff(pbs_sim_factory, tmp_path):
    world = dev_world(pbs_sim_factory)
    stack = dev_stack(world, tmp_path)
    assert stack.up().ok
    assert "nextRun" not in stack.resource("push-cloud")["outputs"]  # status comes with a refresh
    world.onprem.clear_request_log()
    refreshed = stack.refresh()
    assert ("update", "push-cloud") in refreshed.ops()
    listings = [e for e in world.onprem.request_log() if e["path"] == "/api2/json/admin/sync"]
    assert len(listings) == 1  # one listing serves every job of the datastore
    push = stack.resource("push-cloud")["outputs"]
    assert push["nextRun"] > world.onprem.now()  # hourly: scheduled
    assert not any(k in push for k in STATUS[1:])  # never run

    config = loaded(stack)
    out = io.StringIO()
    code = run_job(config, find_job(stack_jobs(config), "push-cloud"), out, RunSettings(poll_interval=0.01))
    assert code == 0, out.getvalue()
    upid = out.getvalue().splitlines()[1].removeprefix("task ")

    world.onprem.clear_request_log()
    assert stack.refresh().ok
    push = stack.resource("push-cloud")["outputs"]
    assert push["lastRunUpid"] == upid and push["lastRunState"] == "OK"
    assert world.onprem.now() - 60 <= push["lastRunEndtime"] <= world.onprem.now()
    assert push["nextRun"] > push["lastRunEndtime"]
    listing = [e for e in world.onprem.request_log() if e["path"] == "/api2/json/admin/sync"]
    assert listing, "refresh reads the status from GET /admin/sync"

    preview = stack.preview()
    assert preview.ok and preview.ops() == []  # status outputs are not inputs: no diff
    world.onprem.clear_request_log()
    assert stack.up().ops() == []
    assert not [e for e in world.onprem.request_log() if e["method"] in ("POST", "PUT", "DELETE")]
    pull = stack.resource("pull-templates")["outputs"]
    assert "lastRunState" not in pull and pull["nextRun"] > world.onprem.now()
