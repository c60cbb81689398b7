"""`python -m pbs_provider doctor --stack <stack>`: one line per finding, a summary, the exit code."""

from __future__ import annotations

import pytest

from pbs_provider.__main__ import main
from tests.run.support import PASSPHRASE, dev_remotes, dev_stack, dev_world, write_project


@pytest.fixture
def world(pbs_sim_factory):
    return dev_world(pbs_sim_factory)


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)

    def call(run, *args: str) -> tuple[int, list[str]]:
        project = write_project(run, tmp_path / "project")
        code = main(
            ["doctor", "--stack", "e2e", "--project-dir", str(project), "--probe-timeout", "2", *args]
        )
        out, err = capsys.readouterr()
        for values in run.secrets.values():
            for secret in values.values():
                assert secret not in out + err
        return code, out.splitlines()

    return call


def test_a_healthy_stack_passes_and_verbose_shows_the_checks(world, tmp_path, cli):
    stack = dev_stack(world, tmp_path)
    assert stack.up().ok
    code, lines = cli(stack)
    assert code == 0
    assert not [line for line in lines if line.startswith("ERROR")]
    assert lines[-1].startswith("doctor: 0 error(s), ")
    code, verbose = cli(stack, "--verbose")
    assert code == 0 and any(line.startswith("OK      server onprem: reachable") for line in verbose)


def test_an_error_is_one_line_with_fix_and_key_and_fails_the_command(world, tmp_path, cli):
    stack = dev_stack(world, tmp_path)
    assert stack.up().ok
    remotes = dev_remotes(world)
    remotes["cloud-pull"]["authId"] = "root@pam!gone"
    stack.set(remotes=remotes)
    code, lines = cli(stack)
    assert code == 1
    [line] = [line for line in lines if line.startswith("ERROR")]
    assert line.startswith("ERROR   job pull-templates: ")
    assert "refuses the remote's credentials `root@pam!gone` (HTTP 401" in line
    assert " | fix: the token of `root@pam!gone` is wrong or expired" in line
    assert line.endswith(" | config: remotePasswords.cloud-pull")
    assert lines[-1].startswith("doctor: 1 error(s)")


def test_warnings_fail_only_with_strict(world, tmp_path, cli):
    stack = dev_stack(world, tmp_path)  # not deployed: warnings, no errors
    code, lines = cli(stack)
    assert code == 0 and any(
        line.startswith("WARNING job push-cloud: sync job `push-cloud`") for line in lines
    )
    code, _ = cli(stack, "--strict")
    assert code == 1


def test_config_problems_are_findings(world, tmp_path, cli):
    stack = dev_stack(world, tmp_path)
    jobs = {"push-cloud": {"server": "onprem", "store": "store1", "remoteStore": "offsite", "remote": "nope"}}
    stack.set(syncJobs=jobs)
    code, lines = cli(stack)
    assert code == 1
    [line] = [line for line in lines if line.startswith("ERROR")]
    assert line.startswith("ERROR   config: no remote 'nope' on server 'onprem'")
    assert line.endswith(
        "| fix: declare it under `remotes` (with `adopt: true` for one that exists on the PBS) "
        "| config: syncJobs.push-cloud.remote"
    )


def test_a_missing_stack_is_a_usage_error(tmp_path, capsys):
    assert main(["doctor", "--stack", "nope", "--project-dir", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err
