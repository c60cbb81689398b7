"""The doctor and run-now on `replications`: the remote's secret lives only in the Pulumi state, so its
token is looked up with the stack's login for the other server; findings point at the replication's keys."""

from __future__ import annotations

import io

import pytest

from pbs_provider.doctor import run_doctor
from pbs_provider.run import RunSettings, run_job
from pbs_provider.stack_jobs import find_job, stack_jobs
from tests.program.stacks import StackRun
from tests.run.support import loaded

EMPTY = {"remotes": {}, "syncJobs": {}, "remotePasswords": {}}
OFFSITE = {
    "direction": "push",
    "source": {"server": "onprem", "store": "store1"},
    "target": {"server": "cloud", "store": "offsite", "ns": "site1"},
    "schedule": "hourly",
    "removeVanished": True,
}


@pytest.fixture
def sims(pbs_sim_factory):
    return {
        "onprem": pbs_sim_factory("onprem", datastores=["store1"]),
        "cloud": pbs_sim_factory("cloud", datastores=["offsite"]),
    }


@pytest.fixture
def stack(sims, tmp_path):
    return StackRun("dev", tmp_path, sims, **EMPTY, replications={"offsite": OFFSITE})


def test_before_up_the_missing_token_says_deploy(stack):
    report = run_doctor(loaded(stack), probe_timeout=2)
    credentials = [f for f in report.errors if f.check == "credentials"]
    assert len(credentials) == 1, "\n".join(report.lines())
    finding = credentials[0]
    assert finding.subject == "job offsite" and finding.key == "replications.offsite.user"
    assert "the remote's user `offsite@pbs` does not exist on server `cloud`" in finding.what
    assert finding.fix == "deploy the stack (`pulumi up`)"


def test_after_up_it_is_healthy_and_a_lost_token_grant_is_found(stack, sims):
    assert stack.up().ok
    report = run_doctor(loaded(stack), probe_timeout=2)
    assert report.errors == [], "\n".join(report.lines())
    checks = {f.check for f in report.findings if f.subject == "job offsite"}
    assert {"credentials", "fingerprint", "remote-privileges", "datastore"} <= checks

    sims["cloud"].api(
        "PUT",
        "/access/acl",
        json={
            "path": "/datastore/offsite/site1",
            "role": "DatastorePowerUser",
            "auth-id": "offsite@pbs!sync",
            "delete": True,
        },
    ).raise_for_status()
    report = run_doctor(loaded(stack), probe_timeout=2)
    [finding] = report.errors
    assert finding.check == "remote-privileges" and finding.key == "replications.offsite"
    assert "lacks Datastore.Backup, Datastore.Prune on /datastore/offsite/site1" in finding.what
    assert finding.fix.startswith(
        "grant role DatastorePowerUser on /datastore/offsite/site1 to the token `offsite@pbs!sync`"
    )


def test_run_now_by_replication_key(stack):
    assert stack.up().ok
    config = loaded(stack)
    job = find_job(stack_jobs(config), "offsite")
    assert (job.entry, job.server, job.job_id, job.direction) == (
        "replications.offsite",
        "onprem",
        "offsite",
        "push",
    )
    out = io.StringIO()
    assert run_job(config, job, out, RunSettings(poll_interval=0.01)) == 0, out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "running push job `offsite` on server `onprem`: store1 -> offsite:offsite/site1 "
        "(replications.offsite)"
    )
    assert lines[-1].startswith("sync job `offsite` succeeded")
