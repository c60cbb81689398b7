"""sync-target-pruned-or-verified: a sync job's target is covered by a PruneJob or VerifyJob of the stack
(the doctor's covering, `pbs_types.job_scope`)."""

from pbs_policy.resources import REPLICATION_TYPE, SYNC_JOB_TYPE
from pbs_policy.rules import target_retention

from .builders import (
    UNKNOWN_STRING_VALUE,
    check_stack,
    facts,
    prune_job,
    push_job,
    remote,
    resource,
    sync_job,
    verify_job,
)

SERVERS = {
    "onprem": {"url": "https://10.0.0.5:8007", "authId": "root@pam!pulumi"},
    "cloud": {"url": "https://pbs.example.com:8007", "authId": "root@pam!pulumi"},
}
POLICY = target_retention.policy(lambda: facts(SERVERS))
PUSH = [remote("cloud", "pbs.example.com"), push_job("push-cloud", "cloud", remoteNs="onprem/site-a")]


def test_an_uncovered_push_target_is_reported_on_the_job_with_the_entry_to_add():
    violations = check_stack(POLICY, PUSH)
    assert violations.urns == [PUSH[1].urn]
    [message] = violations.messages
    assert (
        "sync job 'push-cloud' on server 'onprem' writes to 'offsite' namespace 'onprem/site-a' "
        "on server 'cloud'" in message
    )
    assert (
        "add a pruneJobs or verifyJobs entry for server 'cloud', store 'offsite', ns 'onprem/site-a'"
        in message
    )


def test_a_pull_target_is_the_jobs_own_store_and_namespace():
    pull = sync_job("pull-templates", store="store1", ns="templates", remote="cloud")
    assert check_stack(POLICY, [pull, verify_job("v", "onprem", "store1", ns="templates")]).reported == []
    assert check_stack(POLICY, [pull, verify_job("v", "cloud", "store1", ns="templates")]).urns == [pull.urn]


def test_coverage_follows_the_namespace_and_max_depth():
    def covered(**scope) -> bool:
        return check_stack(POLICY, [*PUSH, verify_job("v", "cloud", "offsite", **scope)]).reported == []

    assert covered() and covered(ns="onprem") and covered(ns="onprem", maxDepth=1)
    assert not covered(ns="onprem", maxDepth=0)
    assert not covered(maxDepth=1) and covered(maxDepth=2)
    assert not covered(ns="onprem/site") and not covered(ns="other")


def test_jobs_that_do_not_run_by_themselves_do_not_count():
    idle = [
        prune_job("off", "cloud", "offsite", disable=True),
        prune_job("keep-all", "cloud", "offsite", keepLast=None),
        verify_job("by-hand", "cloud", "offsite", schedule=None),
    ]
    assert check_stack(POLICY, [*PUSH, *idle]).urns == [PUSH[1].urn]
    assert check_stack(POLICY, [*PUSH, prune_job("on", "cloud", "offsite", disable=False)]).reported == []


def test_values_unknown_during_preview_count_in_the_jobs_favour():
    unknown_ns = verify_job("v", "cloud", "offsite", ns=UNKNOWN_STRING_VALUE)
    unknown_schedule = verify_job("v", "cloud", "offsite", schedule=UNKNOWN_STRING_VALUE)
    assert check_stack(POLICY, [*PUSH, unknown_ns]).reported == []
    assert check_stack(POLICY, [*PUSH, unknown_schedule]).reported == []
    unknown_target = push_job("push-cloud", "cloud", remoteStore=UNKNOWN_STRING_VALUE)
    assert check_stack(POLICY, [PUSH[0], unknown_target]).reported == []


def test_a_push_to_a_server_the_stack_does_not_manage_is_not_judged():
    resources = [remote("partner", "pbs.partner.example"), push_job("push-partner", "partner")]
    assert check_stack(POLICY, resources).reported == []


def test_a_replications_job_is_told_to_add_retention_and_verify_to_the_replication():
    job = resource(
        SYNC_JOB_TYPE,
        "offsite-job",
        {"server": "cloud", "jobId": "offsite", "store": "offsite", "ns": "onprem", "remote": "r"},
        parent_type=REPLICATION_TYPE,
    )
    [message] = check_stack(POLICY, [job]).messages
    assert message.endswith("Fix: add `retention` and `verify` to replications.offsite.")
