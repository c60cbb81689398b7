"""sync-job-has-schedule: every sync job has a schedule."""

import pytest
from pbs_policy.rules import job_schedule

from .builders import UNKNOWN_STRING_VALUE, check_resource, push_job, remote, sync_job

POLICY = job_schedule.policy()


@pytest.mark.parametrize("schedule", ["daily", "mon..fri 02:30", UNKNOWN_STRING_VALUE])
def test_scheduled_jobs_pass(schedule):
    assert check_resource(POLICY, push_job("push-cloud", "cloud", schedule=schedule)).reported == []


@pytest.mark.parametrize("props", [{}, {"schedule": ""}, {"schedule": "  "}, {"schedule": None}])
def test_unscheduled_jobs_are_reported(props):
    violations = check_resource(POLICY, sync_job("pull-cloud", remote="cloud", **props))
    assert len(violations.reported) == 1
    assert "sync job 'pull-cloud'" in violations.messages[0]
    assert "syncJobs.pull-cloud.schedule" in violations.messages[0]


def test_a_job_started_by_mounting_its_datastore_needs_no_schedule():
    assert check_resource(POLICY, sync_job("usb", runOnMount=True)).reported == []
    assert len(check_resource(POLICY, sync_job("usb", runOnMount=False)).reported) == 1


def test_other_resource_types_are_ignored():
    assert check_resource(POLICY, remote("cloud", "pbs.example.com")).reported == []
