"""Sync loops between the stack's own jobs: found from the config alone, with the groupFilter to change."""

from __future__ import annotations

from typing import Any

from pbs_provider.doctor.loops import check_loops
from pbs_provider.stack_config import load_stack_config
from pbs_provider.stack_jobs import stack_jobs

SERVERS = {
    "onprem": {"url": "https://10.0.0.1:8007", "authId": "root@pam!a"},
    "cloud": {"url": "https://10.0.0.2:8007", "authId": "root@pam!a"},
}
REMOTE = {"server": "onprem", "host": "10.0.0.2", "authId": "root@pam!r"}
PUSH = {
    "server": "onprem",
    "syncDirection": "push",
    "store": "store1",
    "remote": "cloud",
    "remoteStore": "offsite",
}
PULL = {
    "server": "onprem",
    "store": "store1",
    "remote": "cloud",
    "remoteStore": "offsite",
    "groupFilter": ["type:ct"],
}


def loops(jobs: dict[str, Any], remotes: dict[str, Any] | None = None) -> list:
    remotes = remotes if remotes is not None else {"cloud": REMOTE}
    config = {
        "servers": SERVERS,
        "serverSecrets": {"onprem": "s", "cloud": "s"},
        "remotes": remotes,
        "remotePasswords": {key: "p" for key in remotes},
        "syncJobs": jobs,
    }
    secret = {"serverSecrets", "remotePasswords"}
    loaded = load_stack_config(config.get, secret.__contains__, [f"pbs-replication:{k}" for k in config], {})
    return check_loops(stack_jobs(loaded))


def test_push_all_and_pull_templates_back_is_a_loop():
    [finding] = loops({"push": PUSH, "pull": PULL})
    assert (finding.level, finding.subject, finding.check) == ("warning", "job push", "loop")
    assert finding.key == "syncJobs.push.groupFilter"
    assert "sync loop with job `pull`" in finding.what
    assert "`offsite` on `cloud`" in finding.what and "`store1` on `onprem`" in finding.what


def test_disjoint_filters_or_namespaces_are_no_loop():
    assert loops({"push": {**PUSH, "groupFilter": ["exclude:type:ct"]}, "pull": PULL}) == []
    assert loops({"push": {**PUSH, "groupFilter": ["type:vm", "type:host"]}, "pull": PULL}) == []
    assert loops({"push": {**PUSH, "ns": "site-a"}, "pull": {**PULL, "ns": "templates"}}) == []
    assert loops({"push": {**PUSH, "remoteNs": "a"}, "pull": {**PULL, "remoteNs": "b"}}) == []
    # a group named in one job's filter is enough to share
    assert len(loops({"push": {**PUSH, "groupFilter": ["group:ct/9000"]}, "pull": PULL})) == 1


def test_nested_namespaces_overlap_and_remotes_outside_the_stack_are_left_alone():
    nested = {"push": {**PUSH, "remoteNs": "sites"}, "pull": {**PULL, "remoteNs": "sites/a"}}
    assert len(loops(nested)) == 1
    outside = {"cloud": {**REMOTE, "host": "203.0.113.7"}}
    assert loops({"push": PUSH, "pull": PULL}, outside) == []


def test_two_local_syncs_in_opposite_directions():
    jobs = {
        "a-to-b": {"server": "onprem", "store": "storeb", "remoteStore": "storea"},
        "b-to-a": {"server": "onprem", "store": "storea", "remoteStore": "storeb"},
    }
    [finding] = loops(jobs, {})
    assert finding.subject == "job a-to-b" and "sync loop with job `b-to-a`" in finding.what
