"""cloud-sync-job-rate-limited: cloud-bound jobs carry rateOut (push) / rateIn (pull)."""

import pytest
from pbs_policy.rules import cloud_rate_limit

from .builders import UNKNOWN_STRING_VALUE, check_stack, push_job, remote, sync_job

POLICY = cloud_rate_limit.policy()


def test_push_to_a_public_host_without_rate_out_is_reported_on_the_job():
    job = push_job("push-cloud", "cloud")
    violations = check_stack(POLICY, [remote("cloud", "pbs.example.com"), job])
    assert violations.urns == [job.urn]
    assert "remote 'cloud' at pbs.example.com" in violations.messages[0]
    assert "syncJobs.push-cloud.rateOut" in violations.messages[0]


def test_push_with_rate_out_and_pull_with_rate_in_pass():
    resources = [
        remote("cloud", "pbs.example.com"),
        push_job("push-cloud", "cloud", rateOut="50 MiB"),
        sync_job("pull-cloud", remote="cloud", rateIn="20MiB"),
        push_job("push-later", "cloud", rateOut=UNKNOWN_STRING_VALUE),
    ]
    assert check_stack(POLICY, resources).reported == []


def test_the_limit_of_the_other_direction_does_not_count():
    push = push_job("push-cloud", "cloud", rateIn="50 MiB")
    pull = sync_job("pull-cloud", remote="cloud", rateOut="50 MiB")
    violations = check_stack(POLICY, [remote("cloud", "203.0.113.10"), push, pull])
    assert sorted(violations.urns) == sorted([push.urn, pull.urn])
    assert any("rateIn is set but does not limit a push job" in m for m in violations.messages)
    assert any("rateOut is set but does not limit a pull job" in m for m in violations.messages)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.1.2.3", "192.168.1.20", "172.16.0.5", "fd00::5", "pbs2", "pbs.corp.lan", "localhost"],
)
def test_jobs_to_lan_hosts_need_no_limit(host):
    assert check_stack(POLICY, [remote("near", host), push_job("push-near", "near")]).reported == []


def test_lan_hosts_can_be_extended_and_cloud_hosts_override_the_address_check():
    resources = [remote("near", "pbs.example.net"), push_job("push-near", "near")]
    assert check_stack(POLICY, resources, {"lanHosts": ["*.example.net"]}).reported == []
    vpn = [remote("cloud", "10.8.0.1"), push_job("push-cloud", "cloud")]
    assert check_stack(POLICY, vpn).reported == []
    assert len(check_stack(POLICY, vpn, {"cloudHosts": ["10.8.*"]}).reported) == 1


def test_cloud_remotes_count_even_when_the_remote_is_not_in_the_stack():
    job = sync_job("pull-offsite", remote="offsite-1")
    assert check_stack(POLICY, [job]).reported == []
    violations = check_stack(POLICY, [job], {"cloudRemotes": ["offsite-*"]})
    assert violations.urns == [job.urn]
    assert "syncJobs.pull-offsite.rateIn" in violations.messages[0]


def test_local_sync_and_unknown_remotes_are_not_judged():
    resources = [sync_job("local"), push_job("push-x", UNKNOWN_STRING_VALUE)]
    assert check_stack(POLICY, resources, {"cloudRemotes": ["*"]}).reported == []


def test_a_remote_on_another_server_is_not_confused_with_the_jobs_remote():
    resources = [remote("cloud", "pbs.example.com", server="other"), push_job("push-cloud", "cloud")]
    assert check_stack(POLICY, resources).reported == []
