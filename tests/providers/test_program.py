"""Remote and SyncJob in a whole Pulumi program through the mini engine (tier 2), against two
simulators: up / preview / refresh / destroy, secrets in state, drift healed, delete order,
replace across servers, a remote still used by a job outside the stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offline_engine import engine
from offline_engine import props as P
from offline_engine.stack_config import stack_config
from pbs_sim.testing import start_simulator

from .driver import PROJECT, ROOT, server_entry

PROGRAM = Path(__file__).parent / "program"
REMOTE_PASSWORD = "remote-pass-0b1f"


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with (
        start_simulator(
            tmp_path_factory.mktemp("onprem"), datastores=["store1", "store2"], node="onprem"
        ) as onprem,
        start_simulator(tmp_path_factory.mktemp("cloud"), datastores=["offsite"], node="cloud") as cloud,
    ):
        yield {"onprem": onprem, "cloud": cloud}


class Deployment:
    """One stack of the test program: its state file, its config, the engine verbs."""

    def __init__(self, tmp: Path, sims: dict[str, Any]) -> None:
        self.state = str(tmp / "state.json")
        self.sims = sims
        self.remotes: dict[str, Any] = {}
        self.jobs: dict[str, Any] = {}
        self.passwords: dict[str, str] = {}

    def run(self, verb: str) -> engine.Result:
        config, secret_keys = stack_config(
            PROGRAM,
            "test",
            overrides={
                "servers": {name: server_entry(sim) for name, sim in self.sims.items()},
                "remotes": self.remotes,
                "syncJobs": self.jobs,
            },
            secrets={
                "serverSecrets": {name: sim.admin_token_secret for name, sim in self.sims.items()},
                "remotePasswords": self.passwords,
            },
        )
        # The program sits in tests/; a real project has pbs_provider next to Pulumi.yaml.
        return getattr(engine, verb)(
            str(PROGRAM), self.state, project=PROJECT, stack="test", config=config,
            secret_keys=secret_keys, env={"PYTHONPATH": str(ROOT)},
        )  # fmt: skip

    def state_text(self) -> str:
        return Path(self.state).read_text()

    def resource(self, name: str) -> dict[str, Any]:
        state = json.loads(self.state_text())
        return next(r for r in state["resources"] if r["urn"].endswith(f"::{name}"))


@pytest.fixture
def deploy(tmp_path: Path, sims: dict[str, Any]) -> Iterator[Deployment]:
    d = Deployment(tmp_path, sims)
    yield d
    if Path(d.state).exists():
        d.run("destroy")


def get(sim: Any, path: str) -> Any:
    response = sim.api("GET", path)
    return response.json()["data"] if response.status_code == 200 else None


def writes(sim: Any) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sim.request_log() if e["method"] != "GET"]


def assert_jobs_deleted_before_remote(ops: list[tuple[str, str]]) -> None:
    remote = ops.index(("delete", "remote-cloud"))
    assert ops.index(("delete", "job-push")) < remote and ops.index(("delete", "job-pull")) < remote


def seed(d: Deployment, suffix: str) -> None:
    """The on-prem → cloud scenario: on-prem pushes to the cloud, plus a pull and a local job."""
    d.remotes = {
        "cloud": {"server": "onprem", "name": f"cloud-{suffix}", "host": "pbs.cloud.example", "port": 8007,
                  "authId": "sync@pbs!push", "comment": "cloud PBS"},
    }  # fmt: skip
    d.passwords = {"cloud": REMOTE_PASSWORD}
    d.jobs = {
        "push": {"server": "onprem", "jobId": f"push-{suffix}", "remoteRef": "cloud", "syncDirection": "push",
                 "store": "store1", "remoteStore": "offsite", "remoteNs": "site1", "schedule": "hourly",
                 "rateOut": "50MiB", "groupFilter": ["include:type:vm"]},
        "pull": {"server": "onprem", "jobId": f"pull-{suffix}", "remoteRef": "cloud", "store": "store1",
                 "remoteStore": "offsite", "ns": "", "transferLast": 3},
        "local": {"server": "onprem", "jobId": f"local-{suffix}", "store": "store2", "remoteStore": "store1"},
    }  # fmt: skip


def test_up_preview_refresh_destroy(deploy, sims):
    onprem = sims["onprem"]
    seed(deploy, "a")
    first = deploy.run("up")
    assert first.ok, first.diagnostics
    ops = first.ops()
    assert sorted(ops) == [("create", "job-local"), ("create", "job-pull"), ("create", "job-push"),
                           ("create", "remote-cloud")]  # fmt: skip
    assert ops.index(("create", "remote-cloud")) < ops.index(("create", "job-push"))
    assert first.outputs["jobs"] == {"local": "local-a", "pull": "pull-a", "push": "push-a"}
    assert get(onprem, "/config/sync/push-a")["rate-out"] == "50 MiB"

    onprem.clear_request_log()
    # the first refresh brings the scheduled job's status (GET /admin/sync): an output-only update
    result = deploy.run("refresh")
    assert result.ok and result.ops() == [("update", "job-push")], result.ops()
    for verb in ("preview", "up", "refresh", "preview"):
        result = deploy.run(verb)
        assert result.ok and result.ops() == [], (verb, result.ops(), result.diagnostics)
    assert writes(onprem) == []  # nothing changed, nothing written

    result = deploy.run("destroy")
    assert result.ok
    assert [op for op, _ in result.ops()] == ["delete"] * 4
    assert_jobs_deleted_before_remote(result.ops())
    assert get(onprem, "/config/remote/cloud-a") is None and get(onprem, "/config/sync/push-a") is None


def test_secrets_in_state(deploy, sims):
    seed(deploy, "s")
    assert deploy.run("up").ok
    text = deploy.state_text()
    for sim in sims.values():
        assert sim.admin_token_secret not in text  # server credentials never reach state
    remote = deploy.resource("remote-cloud")
    for section in ("inputs", "outputs"):
        assert P.is_secret(P.from_state_json(remote[section]["password"]))
        provider = remote[section]["__provider"]
        assert isinstance(provider, str) and len(provider) < 200  # by reference, not secret, tiny
    assert text.count(REMOTE_PASSWORD) == 2  # only in the two secret-wrapped password entries


def test_drift_is_seen_by_refresh_and_healed_by_up(deploy, sims):
    onprem = sims["onprem"]
    seed(deploy, "d")
    assert deploy.run("up").ok
    onprem.api("PUT", "/config/sync/push-d", json={"comment": "edited by hand", "rate-out": "1 MiB"})
    onprem.api("DELETE", "/config/sync/local-d")

    refreshed = deploy.run("refresh")
    assert refreshed.ok
    assert sorted(refreshed.ops()) == [("read-gone", "job-local"), ("update", "job-push")]
    assert deploy.resource("job-push")["outputs"]["comment"] == "edited by hand"

    planned = deploy.run("preview")
    assert sorted(planned.ops()) == [("create", "job-local"), ("update", "job-push")]
    healed = deploy.run("up")
    assert healed.ok and sorted(healed.ops()) == [("create", "job-local"), ("update", "job-push")]
    job = get(onprem, "/config/sync/push-d")
    assert "comment" not in job and job["rate-out"] == "50 MiB"
    assert deploy.run("preview").ops() == []


def test_delete_order_jobs_before_their_remote(deploy, sims):
    seed(deploy, "o")
    assert deploy.run("up").ok
    deploy.remotes, deploy.jobs = {}, {}
    result = deploy.run("up")
    assert result.ok, result.diagnostics
    assert len(result.ops()) == 4
    assert_jobs_deleted_before_remote(result.ops())
    assert get(sims["onprem"], "/config/remote/cloud-o") is None


def test_remote_used_by_a_job_outside_the_stack(deploy, sims):
    onprem = sims["onprem"]
    seed(deploy, "u")
    deploy.jobs = {}
    assert deploy.run("up").ok
    onprem.api("POST", "/config/sync", json={"id": "foreign-u", "store": "store1", "remote": "cloud-u",
                                             "remote-store": "offsite"})  # fmt: skip
    deploy.remotes = {}
    result = deploy.run("up")
    assert not result.ok
    text = "\n".join(result.diagnostics)
    assert "cannot delete remote `cloud-u` on server `onprem`" in text
    assert "is used by sync job 'foreign-u'" in text  # PBS's reason
    assert "delete (or re-point) the sync jobs that use this remote first" in text  # the hint
    assert get(onprem, "/config/remote/cloud-u") is not None
    onprem.api("DELETE", "/config/sync/foreign-u")


def test_moving_a_remote_to_another_server_replaces_it(deploy, sims):
    seed(deploy, "m")
    deploy.jobs = {}
    assert deploy.run("up").ok
    deploy.remotes["cloud"]["server"] = "cloud"
    result = deploy.run("up")
    assert result.ok and result.ops() == [("replace", "remote-cloud")]
    assert get(sims["onprem"], "/config/remote/cloud-m") is None
    assert get(sims["cloud"], "/config/remote/cloud-m")["host"] == "pbs.cloud.example"


def test_renaming_a_remote_repoints_its_jobs(deploy, sims):
    onprem = sims["onprem"]
    seed(deploy, "n")
    assert deploy.run("up").ok
    deploy.remotes["cloud"]["name"] = "cloud-n2"
    planned = deploy.run("preview")
    assert ("replace", "remote-cloud") in planned.ops()
    result = deploy.run("up")
    assert result.ok, result.diagnostics
    assert sorted(result.ops()) == [
        ("replace", "remote-cloud"),
        ("update", "job-pull"),
        ("update", "job-push"),
    ]
    assert get(onprem, "/config/remote/cloud-n") is None  # the old remote went last, once unused
    assert get(onprem, "/config/sync/push-n")["remote"] == "cloud-n2"
    assert deploy.run("preview").ops() == []


def test_invalid_config_fails_preview_without_writes(deploy, sims):
    onprem = sims["onprem"]
    seed(deploy, "i")
    deploy.jobs["push"]["transferLast"] = 0
    onprem.clear_request_log()
    result = deploy.run("preview")
    assert not result.ok
    assert "`transferLast` must be at least 1 (got 0)" in "\n".join(result.diagnostics)
    assert writes(onprem) == [] and not Path(deploy.state).exists()
    result = deploy.run("up")  # the valid resources may be created, the invalid job never is
    assert not result.ok and get(onprem, "/config/sync/push-i") is None
