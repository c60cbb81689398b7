"""`python -m pbs_provider run --stack <stack> <job>` against the dev stack deployed on two simulators.

The stack is deployed through the mini engine (`StackRun`); the command reads the same config from a stack
file on disk (secrets encrypted with a passphrase), as it would from `stacks/Pulumi.<stack>.yaml`.
"""

from __future__ import annotations

import pytest

from pbs_provider.__main__ import main
from tests.run.support import PASSPHRASE, dev_stack, dev_world, write_project


@pytest.fixture
def world(pbs_sim_factory):
    return dev_world(pbs_sim_factory)


@pytest.fixture
def deployed(world, tmp_path):
    run = dev_stack(world, tmp_path)
    result = run.up()
    assert result.ok, result.diagnostics
    return run


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)

    def call(run, *args: str) -> tuple[int, str, str]:
        project = write_project(run, tmp_path / "project")
        code = main(
            ["run", "--stack", "e2e", "--project-dir", str(project), "--poll-interval", "0.01", *args]
        )
        out, err = capsys.readouterr()
        for secret in (*run.secrets["serverSecrets"].values(), *run.secrets["remotePasswords"].values()):
            assert secret not in out + err
        return code, out, err

    return call


def test_run_by_config_key_follows_the_task_to_ok(deployed, world, cli):
    code, out, err = cli(deployed, "push-cloud")
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0] == (
        "running push job `push-cloud` on server `onprem`: store1 -> cloud-push:offsite (syncJobs.push-cloud)"
    )
    upid = lines[1].removeprefix("task ")
    assert upid.startswith("UPID:onprem:") and ":syncjob:" in upid
    assert any(
        line.endswith("Starting datastore sync job 'cloud-push:offsite:store1::push-cloud'") for line in lines
    )
    assert lines[-2].endswith("TASK OK") and lines[-1].startswith("sync job `push-cloud` succeeded")
    status = world.onprem.api("GET", f"/nodes/localhost/tasks/{upid}/status").json()["data"]
    assert status["status"] == "stopped" and status["exitstatus"] == "OK"


def test_run_by_pbs_job_id_of_a_pull_job_and_without_waiting(deployed, world, cli):
    code, out, _ = cli(deployed, "--no-wait", "pull-templates")
    assert code == 0
    assert out.splitlines()[0].startswith(
        "running pull job `pull-templates` on server `onprem`: cloud-pull:offsite -> store1"
    )
    upid = out.splitlines()[1].removeprefix("task ")
    assert len(out.splitlines()) == 2  # no log followed
    world.onprem.simulator.backend.tasks.wait(upid, timeout=30)
    assert (
        world.onprem.api("GET", f"/nodes/localhost/tasks/{upid}/status").json()["data"]["exitstatus"] == "OK"
    )


def test_a_failing_task_makes_the_command_fail_with_its_message(deployed, world, cli):
    world.onprem.api(
        "DELETE", "/config/datastore/store1", params={"keep-job-configs": True}
    ).raise_for_status()
    code, out, _ = cli(deployed, "push-cloud")
    assert code == 1
    assert "TASK ERROR:" in out
    last = out.splitlines()[-1]
    assert last.startswith("sync job `push-cloud` FAILED") and "store1" in last


def test_a_job_that_is_not_deployed_says_to_deploy_first(world, tmp_path, cli):
    code, _, err = cli(dev_stack(world, tmp_path), "push-cloud")
    assert code == 1
    assert "sync job `push-cloud` does not exist on server `onprem`" in err
    assert "pulumi up" in err


def test_an_unknown_job_lists_the_stack_jobs(deployed, cli):
    code, _, err = cli(deployed, "nightly")
    assert code == 2
    assert "the stack has no sync job `nightly`" in err and "push-cloud" in err and "pull-templates" in err


def test_a_login_without_run_rights_is_refused_with_advice(deployed, world, cli):
    onprem = world.onprem
    onprem.api("POST", "/access/users", json={"userid": "ops@pbs"}).raise_for_status()
    secret = onprem.api("POST", "/access/users/ops@pbs/token/ro").json()["data"]["value"]
    for who in ("ops@pbs", "ops@pbs!ro"):
        onprem.api(
            "PUT", "/access/acl", json={"path": "/", "role": "Audit", "auth-id": who}
        ).raise_for_status()
    servers = dict(deployed.overrides["servers"])
    servers["onprem"] = {**servers["onprem"], "authId": "ops@pbs!ro"}
    deployed.set(servers=servers, serverSecrets={**deployed.secrets["serverSecrets"], "onprem": secret})
    code, _, err = cli(deployed, "push-cloud")
    assert code == 1
    assert "cannot start sync job `push-cloud`" in err and "permission check failed" in err
    assert "hint:" in err and "ops@pbs!ro" in err
    assert secret not in err


def test_without_the_passphrase_the_command_says_how_to_give_it(deployed, cli, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    code, _, err = cli(deployed, "push-cloud")
    assert code == 2
    assert "is encrypted: set PULUMI_CONFIG_PASSPHRASE" in err


def test_a_busy_job_lock_is_reported(pbs_sim_factory, tmp_path, cli):
    world = dev_world(pbs_sim_factory, job_lock_timeout=0.1)
    stack = dev_stack(world, tmp_path)
    assert stack.up().ok
    with world.onprem.job_lock_held("push-cloud"):
        code, _, err = cli(stack, "push-cloud")
    assert code == 1
    assert "cannot start sync job `push-cloud`" in err and "Unable to acquire lock" in err
