"""push-job-dedicated-remote: one remote and one remote auth-id per push job."""

from pbs_policy.rules import dedicated_push_remote

from .builders import UNKNOWN_STRING_VALUE, check_stack, push_job, remote, sync_job

POLICY = dedicated_push_remote.policy()


def test_push_jobs_with_their_own_remotes_and_users_pass():
    resources = [
        remote("cloud-a", "pbs.example.com", authId="sync-a@pbs!push"),
        remote("cloud-b", "pbs.example.com", authId="sync-b@pbs!push"),
        push_job("push-a", "cloud-a"),
        push_job("push-b", "cloud-b"),
    ]
    assert check_stack(POLICY, resources).reported == []


def test_two_push_jobs_on_one_remote_are_both_reported():
    jobs = [push_job("push-a", "cloud"), push_job("push-b", "cloud")]
    violations = check_stack(POLICY, [remote("cloud", "pbs.example.com"), *jobs])
    assert sorted(violations.urns) == sorted(job.urn for job in jobs)
    assert all("share the remote 'cloud'" in m and "push-a, push-b" in m for m in violations.messages)


def test_a_pull_job_sharing_the_remote_of_a_push_job_is_not_this_rules_concern():
    resources = [
        remote("cloud", "pbs.example.com"),
        push_job("push-a", "cloud"),
        sync_job("pull-a", remote="cloud"),
    ]
    assert check_stack(POLICY, resources).reported == []


def test_same_remote_name_on_different_source_servers_is_two_remotes():
    resources = [
        remote("cloud", "pbs.example.com", server="site1", authId="site1@pbs!push"),
        remote("cloud", "pbs.example.com", server="site2", authId="site2@pbs!push"),
        push_job("push", "cloud", server="site1"),
        push_job("push", "cloud", server="site2"),
    ]
    assert check_stack(POLICY, resources).reported == []


def test_two_remotes_with_the_same_auth_id_on_the_same_target_are_reported():
    resources = [
        remote("cloud-a", "PBS.example.com", authId="sync@pbs!push"),
        remote("cloud-b", "pbs.example.com", port=8007, authId="sync@pbs!push"),
        push_job("push-a", "cloud-a"),
        push_job("push-b", "cloud-b"),
    ]
    violations = check_stack(POLICY, resources)
    assert len(violations.reported) == 2
    assert all("as 'sync@pbs!push'" in m and "pbs.example.com:8007" in m for m in violations.messages)


def test_the_same_auth_id_on_different_targets_is_fine():
    resources = [
        remote("cloud-a", "pbs-a.example.com", authId="sync@pbs!push"),
        remote("cloud-b", "pbs-b.example.com", authId="sync@pbs!push"),
        push_job("push-a", "cloud-a"),
        push_job("push-b", "cloud-b"),
    ]
    assert check_stack(POLICY, resources).reported == []


def test_a_remote_not_known_during_preview_is_not_judged():
    resources = [push_job("push-a", UNKNOWN_STRING_VALUE), push_job("push-b", UNKNOWN_STRING_VALUE)]
    assert check_stack(POLICY, resources).reported == []


def test_direction_absent_means_pull():
    resources = [sync_job("a", remote="cloud"), sync_job("b", remote="cloud")]
    assert check_stack(POLICY, resources).reported == []
