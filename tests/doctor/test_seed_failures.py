"""The list of docs/troubleshooting.md, end to end on two simulators that really sync: each failure is
injected into the deployed dev stack, caught beforehand by the doctor with the right advice and config
key, and then seen in the result of the task when the job is run now.
"""

from __future__ import annotations

import io
import socket

import pytest

from pbs_provider.doctor import Report, run_doctor
from pbs_provider.run import RunSettings, run_job
from pbs_provider.stack_jobs import find_job, stack_jobs
from pbs_provider.tasks import TaskOutcome
from tests.run.support import DEV_REMOTE_TOKEN, RETENTION, dev_remotes, dev_stack, dev_world, loaded


@pytest.fixture
def world(pbs_sim_factory):
    world = dev_world(pbs_sim_factory, sync_runner="pbs")
    world.onprem.seed_content(
        {"store1": [{"group": "vm/100", "snapshots": 2}, {"group": "ct/200", "snapshots": 1}]}
    )
    return world


class Scenario:
    """The dev stack on `world`, changed by a test, then checked by the doctor and run."""

    def __init__(self, world, tmp_path) -> None:
        self.world = world
        self.stack = dev_stack(world, tmp_path, **RETENTION)

    def doctor(self) -> Report:
        result = self.stack.up()
        assert result.ok, result.diagnostics
        return run_doctor(loaded(self.stack), probe_timeout=2)

    def run(self, job: str) -> tuple[int, TaskOutcome, str]:
        config = loaded(self.stack)
        out = io.StringIO()
        code = run_job(config, find_job(stack_jobs(config), job), out, RunSettings(poll_interval=0.02))
        upid = out.getvalue().splitlines()[1].removeprefix("task ")
        status = self.world.onprem.task_status(upid)
        return code, TaskOutcome(upid, status["exitstatus"]), out.getvalue()


@pytest.fixture
def scenario(world, tmp_path) -> Scenario:
    return Scenario(world, tmp_path)


def the_error(report: Report, subject: str = "job push-cloud"):
    found = [f for f in report.errors if f.subject == subject]
    assert len(found) == 1, "\n".join(report.lines())
    return found[0]


def test_wrong_token(scenario, world):
    scenario.stack.set(
        remotePasswords={
            "cloud-push": "0bad0bad-0000-4000-8000-000000000000",
            "cloud-pull": world.remote_secret,
        }
    )
    finding = the_error(scenario.doctor())
    assert (finding.check, finding.key) == ("credentials", "remotePasswords.cloud-push")
    assert "recreate the token" in finding.fix

    code, outcome, _ = scenario.run("push-cloud")
    assert code == 1 and outcome.state == "error"
    assert "authentication failed" in outcome.exitstatus
    assert world.cloud.snapshot_names("offsite") == []


def test_missing_datastore_backup_on_the_target(scenario, world):
    world.cloud.api(
        "PUT",
        "/access/acl",
        json={"path": "/datastore/offsite", "role": "NoAccess", "auth-id": DEV_REMOTE_TOKEN},
    ).raise_for_status()
    finding = the_error(scenario.doctor())
    assert (finding.check, finding.key) == ("remote-privileges", "acls")
    assert "lacks Datastore.Backup on /datastore/offsite" in finding.what
    assert "grant role DatastoreBackup on /datastore/offsite" in finding.fix

    code, outcome, _ = scenario.run("push-cloud")
    assert code == 1 and outcome.state == "error"
    assert "permission check failed" in outcome.exitstatus
    assert world.cloud.snapshot_names("offsite") == []


def test_target_port_closed(scenario, world):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    remotes = dev_remotes(world)
    remotes["cloud-push"]["port"] = port
    scenario.stack.set(remotes=remotes)
    finding = the_error(scenario.doctor())
    assert (finding.check, finding.key) == ("reach", "remotes.cloud-push.port")
    assert f"TCP {port} to `127.0.0.1` is blocked" in finding.fix

    code, outcome, _ = scenario.run("push-cloud")
    assert code == 1 and outcome.state == "error"
    assert "connect" in outcome.exitstatus.lower()


def test_target_groups_owned_by_someone_else_push(scenario, world):
    world.cloud.seed_content({"offsite": [{"group": "vm/100", "owner": "other@pbs", "snapshots": 1}]})
    finding = the_error(scenario.doctor())
    assert (finding.check, finding.key) == ("owner", "syncJobs.push-cloud.remoteNs")
    assert "vm/100 in `offsite` (owner `other@pbs`)" in finding.what
    assert "skip them" in finding.what

    code, outcome, log = scenario.run("push-cloud")
    assert code == 0 and outcome.state == "warnings"  # PBS skips the group with a warning
    assert "other@pbs" in log or "not owned" in log
    assert world.cloud.snapshot_names("offsite") == [  # (ct groups stay home: the push excludes type:ct)
        "vm/100/2024-05-01T00:00:00Z",  # the other owner's one snapshot: nothing was added to it
    ]


def test_target_groups_owned_by_someone_else_pull(scenario, world):
    world.cloud.seed_content({"offsite": [{"group": "ct/300", "snapshots": 2}]})
    world.onprem.seed_content({"store1": [{"group": "ct/300", "owner": "other@pbs", "snapshots": 1}]})
    finding = the_error(scenario.doctor(), "job pull-templates")
    assert (finding.check, finding.key) == ("owner", "syncJobs.pull-templates.owner")
    assert "ct/300 in `store1` (owner `other@pbs`)" in finding.what
    assert "set the job's `owner`" in finding.fix

    code, outcome, log = scenario.run("pull-templates")
    assert code == 1 and outcome.state == "error"
    assert "owner check failed (root@pam != other@pbs)" in log


def test_namespace_mismatch_transfers_nothing(scenario, world):
    world.onprem.api("POST", "/admin/datastore/store1/namespace", json={"name": "site2"}).raise_for_status()
    push = {**loaded(scenario.stack).sync_jobs["push-cloud"].inputs, "ns": "site2"}
    scenario.stack.set(syncJobs={"push-cloud": push})
    report = scenario.doctor()
    assert [f for f in report.errors if f.subject == "job push-cloud"] == []
    [finding] = [f for f in report.warnings if f.subject == "job push-cloud"]
    assert (finding.check, finding.key) == ("content", "syncJobs.push-cloud.ns")
    assert finding.what.startswith(
        "namespace mismatch: `store1` namespace `site2` on server `onprem` holds no backup group"
    )
    assert "`(root)`" in finding.what
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1

    code, outcome, log = scenario.run("push-cloud")
    assert code == 0 and outcome.exitstatus == "OK"  # PBS is happy...
    assert "found no new data to push" in log
    assert world.cloud.snapshot_names("offsite") == []  # ...and nothing arrived
