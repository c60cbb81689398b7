"""push-remove-vanished-reviewed: removeVanished on a push job needs a recorded review."""

from pbs_policy.rules import push_remove_vanished

from .builders import UNKNOWN_BOOLEAN_VALUE, check_resource, push_job, remote, sync_job

POLICY = push_remove_vanished.policy()


def test_push_job_with_remove_vanished_is_reported():
    violations = check_resource(POLICY, push_job("push-cloud", "cloud", removeVanished=True))
    assert len(violations.reported) == 1
    message = violations.messages[0]
    assert "push job 'push-cloud'" in message and "'onprem/push-cloud'" in message


def test_push_job_without_remove_vanished_passes():
    assert check_resource(POLICY, push_job("push-cloud", "cloud")).reported == []
    assert check_resource(POLICY, push_job("push-cloud", "cloud", removeVanished=False)).reported == []


def test_pull_job_with_remove_vanished_is_not_this_rules_concern():
    assert check_resource(POLICY, sync_job("pull-cloud", remote="cloud", removeVanished=True)).reported == []


def test_a_reviewed_job_passes_by_label_or_by_id():
    job = push_job("push-cloud", "cloud", removeVanished=True)
    assert check_resource(POLICY, job, {"reviewedJobs": ["onprem/push-cloud"]}).reported == []
    assert check_resource(POLICY, job, {"reviewedJobs": ["push-cloud"]}).reported == []


def test_a_review_of_another_job_or_server_does_not_count():
    job = push_job("push-cloud", "cloud", removeVanished=True)
    assert len(check_resource(POLICY, job, {"reviewedJobs": ["other/push-cloud", "push-x"]}).reported) == 1


def test_unknown_remove_vanished_is_not_judged():
    assert (
        check_resource(POLICY, push_job("push-cloud", "cloud", removeVanished=UNKNOWN_BOOLEAN_VALUE)).reported
        == []
    )


def test_other_resource_types_are_ignored():
    assert check_resource(POLICY, remote("cloud", "pbs.example.com", removeVanished=True)).reported == []
