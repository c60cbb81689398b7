"""The stack's sync jobs as the commands see them: job lookup, the other server, config keys."""

from __future__ import annotations

import pytest

from pbs_provider.stack_config import load_stack_config
from pbs_provider.stack_jobs import JobLookupError, find_job, stack_jobs

SERVERS = {
    "onprem": {"url": "https://10.0.0.1:8007", "authId": "root@pam!a"},
    "cloud": {"url": "https://pbs.cloud.example:8443", "authId": "root@pam!a"},
}
CONFIG = {
    "servers": SERVERS,
    "serverSecrets": {"onprem": "s1", "cloud": "s2"},
    "remotes": {
        "to-cloud": {
            "server": "onprem",
            "host": "PBS.cloud.example",
            "port": 8443,
            "authId": "sync@pbs!push",
        },
        "elsewhere": {"server": "onprem", "host": "203.0.113.9", "authId": "sync@pbs!pull"},
    },
    "remotePasswords": {"to-cloud": "p1", "elsewhere": "p2"},
    "syncJobs": {
        "push-cloud": {
            "server": "onprem",
            "store": "store1",
            "remote": "to-cloud",
            "remoteStore": "offsite",
            "syncDirection": "push",
        },
        "pull-in": {"server": "onprem", "store": "store1", "remote": "elsewhere", "remoteStore": "offsite"},
        "same-id": {"server": "cloud", "jobId": "offsite", "store": "offsite", "remoteStore": "other2"},
    },
    "replications": {
        "offsite": {
            "direction": "push",
            "source": {"server": "onprem", "store": "store1", "ns": "a"},
            "target": {"server": "cloud", "store": "offsite", "ns": "b"},
        }
    },
}
SECRET = {"serverSecrets", "remotePasswords"}


@pytest.fixture(scope="module")
def jobs():
    config = load_stack_config(CONFIG.get, SECRET.__contains__, [f"pbs-replication:{k}" for k in CONFIG], {})
    return stack_jobs(config)


def test_plain_jobs_know_their_remote_and_the_server_behind_it(jobs):
    push = find_job(jobs, "push-cloud")
    assert push.entry == "syncJobs.push-cloud" and push.direction == "push"
    assert push.remote.other_server == "cloud"  # host (any case) and port match the server's url
    assert push.remote.password == "p1" and "p1" not in repr(push.remote)
    assert push.key_of("ns") == "syncJobs.push-cloud.ns"
    assert push.remote.keys["password"] == "remotePasswords.to-cloud"
    assert push.remote.keys["fingerprint"] == "remotes.to-cloud.fingerprint"
    assert find_job(jobs, "pull-in").remote.other_server is None  # not a server of this stack


def test_replications_map_settings_to_their_own_keys(jobs):
    rep = find_job(jobs, "offsite", server="onprem")
    assert (rep.entry, rep.server, rep.job_id) == ("replications.offsite", "onprem", "offsite")
    assert rep.key_of("ns") == "replications.offsite.source.ns"
    assert rep.key_of("remoteNs") == "replications.offsite.target.ns"
    assert rep.key_of("schedule") == "replications.offsite.schedule"
    assert rep.remote.other_server == "cloud" and rep.remote.password is None
    assert (rep.remote.host, rep.remote.port) == ("pbs.cloud.example", 8443)
    assert rep.remote.auth_id == "offsite@pbs!sync" and rep.access_user == "offsite@pbs"


def test_lookup_by_key_then_by_job_id_and_ambiguity(jobs):
    assert find_job(jobs, "same-id").job_id == "offsite"
    assert find_job(jobs, "offsite").entry == "replications.offsite"  # a config key wins over a job id
    with pytest.raises(JobLookupError, match="the stack has no sync job `nope`"):
        find_job(jobs, "nope")
    assert find_job(jobs, "offsite", server="cloud").entry == "syncJobs.same-id"
    with pytest.raises(JobLookupError, match="no sync job `push-cloud` on server `cloud`"):
        find_job(jobs, "push-cloud", server="cloud")
