"""Stack config errors: one clear line each, naming the key path and the rule; nothing is registered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pbs_provider.stack_config import StackConfigError, load_stack_config
from tests.program.stacks import StackRun

SERVERS = {"onprem": {"url": "https://pbs1.example:8007", "authId": "root@pam!pulumi"}}
SECRETS = {"onprem": "0f8c2d5e-0000-4000-8000-000000000001"}
REMOTE = {"server": "onprem", "host": "pbs2.example", "authId": "sync@pbs!push"}
JOB = {
    "server": "onprem",
    "store": "store1",
    "remote": "cloud",
    "remoteStore": "offsite",
    "syncDirection": "push",
}


def load(secret_keys: tuple[str, ...] = ("serverSecrets", "remotePasswords"), environ=None, **config):
    values = {"servers": SERVERS, "serverSecrets": SECRETS, **config}
    return load_stack_config(
        get=lambda key: json.dumps(values[key]) if key in values else None,
        is_secret=lambda key: key in secret_keys,
        all_keys=[f"pbs-replication:{k}" for k in values],
        environ=environ or {},
    )


def problems(**config) -> list[str]:
    with pytest.raises(StackConfigError) as error:
        load(**config)
    return error.value.problems


def test_a_valid_config_loads():
    cfg = load(remotes={"cloud": REMOTE}, remotePasswords={"cloud": "pw"}, syncJobs={"push-cloud": JOB})
    assert cfg.sync_jobs["push-cloud"].remote_key == "cloud"
    assert cfg.remotes["cloud"].password == "pw" and cfg.remotes["cloud"].name == "cloud"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"syncJob": {}}, "syncJob: not a config key of this project; did you mean `syncJobs`?"),
        ({"remotes": ["cloud"]}, "remotes: must be a map, got list"),
        (
            {"remotes": {"cloud": {**REMOTE, "port": "eighty"}}, "remotePasswords": {"cloud": "pw"}},
            "remotes.cloud.port:",
        ),
        (
            {"remotes": {"cloud": {**REMOTE, "hostname": "x"}}, "remotePasswords": {"cloud": "pw"}},
            "remotes.cloud.hostname: not a key of a remote; did you mean `host`?",
        ),
        (
            {"remotes": {"cloud": {**REMOTE, "server": "offsite"}}, "remotePasswords": {"cloud": "pw"}},
            "remotes.cloud.server: no server `offsite` in `servers`; use one of `onprem`",
        ),
        ({"remotes": {"cloud": REMOTE}}, "remotePasswords.cloud: missing (the password remote `cloud`"),
        (
            {"remotes": {"cloud": {**REMOTE, "password": "inline"}}, "remotePasswords": {"cloud": "pw"}},
            "remotes.cloud.password: passwords do not belong in `remotes`",
        ),
        (
            {
                "remotes": {"cloud": {**REMOTE, "fingerprintFrom": "nowhere"}},
                "remotePasswords": {"cloud": "pw"},
            },
            "remotes.cloud.fingerprintFrom: no server 'nowhere' in `servers`; use one of `onprem`",
        ),
        (
            {"remotePasswords": {"ghost": "pw"}},
            "remotePasswords.ghost: no remote 'ghost' in `remotes`; remove",
        ),
        (
            {"syncJobs": {"push-cloud": JOB}},
            "syncJobs.push-cloud.remote: no remote 'cloud' on server 'onprem'",
        ),
        (
            {"syncJobs": {"push-cloud": {**JOB, "remote": None, "remoteStore": "offsite"}}},
            "syncJobs.push-cloud.remote: is required for a push job",
        ),
        (
            {"syncJobs": {"p": {**JOB, "remote": None, "syncDirection": "pull", "schedule": "sometimes"}}},
            "syncJobs.p.jobId:",
        ),
        (
            {
                "remotes": {"cloud": REMOTE, "cloud-again": {**REMOTE, "name": "cloud"}},
                "remotePasswords": {"cloud": "pw", "cloud-again": "pw"},
            },
            "remotes.cloud-again: remote 'cloud' on server 'onprem' is also declared as `remotes.cloud`",
        ),
        (
            {
                "remotes": {"cloud": REMOTE},
                "remotePasswords": {"cloud": "pw"},
                "syncJobs": {"a": {**JOB, "jobId": "job1"}, "b": {**JOB, "jobId": "job1"}},
            },
            "syncJobs.b: job id 'job1' on server 'onprem' is also used by `syncJobs.a`",
        ),
        (
            {
                "servers": {"onprem": {**SERVERS["onprem"], "readTimeout": 0}},
                "remotes": {"cloud": REMOTE},
                "remotePasswords": {"cloud": "pw"},
            },
            "servers.onprem.readTimeout: must be more than 0",
        ),
    ],
)
def test_each_config_error_names_its_key_path_and_rule(config, expected):
    found = problems(**config)
    assert any(p.startswith(expected) for p in found), found


def test_server_timeouts_and_retries_come_from_the_stack_config():
    servers = {"onprem": {**SERVERS["onprem"], "readTimeout": 5, "retry": {"attempts": 2}}}
    cfg = load(servers=servers, remotes={"cloud": REMOTE}, remotePasswords={"cloud": "pw"})
    client_config = cfg.servers.server_config("onprem")
    assert client_config.read_timeout == 5 and client_config.retry.attempts == 2


def test_a_schedule_that_does_not_parse_names_the_job_and_field():
    found = problems(
        syncJobs={"p": {**JOB, "remote": None, "syncDirection": "pull", "schedule": "sometimes"}}
    )
    assert any(p.startswith("syncJobs.p.schedule:") and "calendar event" in p for p in found), found


def test_missing_server_secret_and_plaintext_secret_maps_are_errors():
    with pytest.raises(StackConfigError) as error:
        load(serverSecrets={}, remotes={"cloud": REMOTE}, remotePasswords={"cloud": "pw"}, secret_keys=())
    found = error.value.problems
    assert any(p.startswith("serverSecrets.onprem: missing (server `onprem` needs it)") for p in found), found
    assert any(p.startswith("remotePasswords: holds secrets but is stored in plaintext") for p in found), (
        found
    )
    # the environment fallback supplies both
    cfg = load(
        serverSecrets={},
        remotes={"cloud": REMOTE},
        environ={"PBS_SERVER_SECRET_ONPREM": "s", "PBS_REMOTE_PASSWORD_CLOUD": "pw"},
    )
    assert cfg.remotes["cloud"].password == "pw"


def test_all_problems_are_reported_together_and_no_secret_is_quoted():
    secret = "do-not-print-this-password"
    with pytest.raises(StackConfigError) as error:
        load(
            remotes={"cloud": {**REMOTE, "host": "bad host!"}},
            remotePasswords={"cloud": secret + "\x07"},
            syncJobs={"j": {**JOB, "transferLast": 0}},
        )
    text = str(error.value)
    assert "remotes.cloud.host:" in text and "syncJobs.j.transferLast:" in text
    assert "remotes.cloud.password:" in text and secret not in text


@pytest.fixture
def sims(pbs_sim_factory):
    return {"onprem": pbs_sim_factory("onprem"), "cloud": pbs_sim_factory("cloud", datastores=["offsite"])}


def test_a_config_error_fails_preview_and_up_without_registering_anything(sims, tmp_path: Path):
    remote = {"server": "onprem", "host": "127.0.0.1", "authId": "sync@pbs!cloud"}
    stack = StackRun(
        "dev",
        tmp_path,
        sims,
        remotes={"cloud-push": remote, "cloud-pull": remote},
        remotePasswords={"cloud-push": "pw"},  # cloud-pull has none
    )
    for run in (stack.preview, stack.up):
        result = run()
        assert not result.ok and result.steps == []
        text = "\n".join(result.diagnostics)
        assert "remotePasswords.cloud-pull: missing" in text
        assert "Traceback" not in text
    # the failed `up` leaves only the stack itself in state, as Pulumi does
    types = {r["type"] for r in stack.state_json()["resources"]}
    assert types == {"pulumi:pulumi:Stack"}
    assert [e for sim in sims.values() for e in sim.request_log() if e["method"] != "GET"] == []


def test_a_broken_server_entry_is_reported_once_under_its_own_key(tmp_path: Path):
    """However many entries use the server: one line, at the key that is wrong."""
    used_by = {
        "remotes": {"cloud": REMOTE, "cloud2": {**REMOTE, "name": "cloud2"}},
        "remotePasswords": {"cloud": "pw", "cloud2": "pw"},
        "syncJobs": {"push-cloud": JOB},
    }
    typo = {"onprem": {**SERVERS["onprem"], "fingerprnt": "ab"}}
    assert problems(servers=typo, **used_by) == [
        "servers.onprem.fingerprnt: not a key of a server entry; did you mean `fingerprint`?"
    ]
    missing_ca = {"onprem": {**SERVERS["onprem"], "caFile": str(tmp_path / "nope.pem")}}
    found = problems(servers=missing_ca, **used_by)
    assert len(found) == 1 and found[0].startswith("servers.onprem.caFile: CA file "), found
    assert found[0].endswith("or pin `fingerprint` instead")
    plain = {"onprem": {**SERVERS["onprem"], "url": "http://pbs1.example:8007"}}
    found = problems(servers=plain, **used_by)
    assert len(found) == 1 and found[0].startswith("servers.onprem.url: "), found
    assert found[0].endswith("use https://") and "allow_http" not in found[0]
    found = problems(serverSecrets={}, **used_by)
    assert len(found) == 1 and found[0].startswith("serverSecrets.onprem: missing"), found
    assert "PBS_SERVER_SECRET_ONPREM" in found[0]


def test_an_unknown_server_name_suggests_the_close_one():
    found = problems(remotes={"cloud": {**REMOTE, "server": "onprme"}}, remotePasswords={"cloud": "pw"})
    assert found == [
        "remotes.cloud.server: no server `onprme` in `servers`; did you mean `onprem`? "
        "(or add it there with url and authId)"
    ]
