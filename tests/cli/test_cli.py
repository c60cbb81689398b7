"""The command lines: help texts (description, examples, environment variables, exit codes),
`--version`, progress on stderr, and the simulator's port-in-use message."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from pbs_provider import __version__
from pbs_provider.__main__ import main, parser
from tests.program.stacks import PROJECT

COMMANDS = {
    "export": ["PBS_SECRET", "--secret-file", "pulumi config set --secret"],
    "run": ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PBS_SERVER_SECRET_"],
    "doctor": ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PBS_SERVER_SECRET_"],
}


def help_text(*argv: str, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_documents_itself(command, capsys):
    text = help_text(command, capsys=capsys)
    description = text.split("\n\n")[1]
    assert len(description.split()) >= 4, text  # a sentence saying what the command does
    for section in ("examples:", "environment variables:", "exit codes:"):
        assert f"\n{section}\n" in text, (section, text)
    examples = text.split("\nexamples:\n")[1].split("\n\n")[0]
    assert f"pbs-replication {command} " in examples
    codes = text.split("\nexit codes:\n")[1]
    assert {m for m in re.findall(r"^  ([0-9])  ", codes, re.MULTILINE)} == {"0", "1", "2"}, codes
    for name in COMMANDS[command]:
        assert name in text, (name, text)


def test_the_top_help_lists_the_commands_and_version(capsys):
    text = help_text(capsys=capsys)
    for command in COMMANDS:
        assert command in text
    assert "--version" in text


def test_version_is_the_one_in_the_package_the_changelog_and_the_metadata(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"pbs-replication {__version__}"
    changelog = (PROJECT / "CHANGELOG.md").read_text()
    assert re.findall(r"^## (\S+)", changelog, re.MULTILINE)[0] == __version__
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "pbs_provider.__version__"}
    assert project["project"]["scripts"]["pbs-replication"] == "pbs_provider.__main__:main"


def test_python_m_is_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "pbs_provider", "--version"], cwd=PROJECT, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == f"pbs-replication {__version__}"
    assert parser().prog == "pbs-replication"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_doctor_says_what_it_waits_for_on_stderr(pbs_sim_factory, tmp_path, monkeypatch, capsys):
    sim = pbs_sim_factory("onprem")
    port = closed_port()
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((PROJECT / "Pulumi.yaml").read_text())
    config = {
        "servers": {"onprem": {"url": sim.url, "authId": sim.admin_token_id, "fingerprint": sim.fingerprint}},
        "remotes": {"cloud": {"server": "onprem", "host": "127.0.0.1", "port": port, "authId": "a@pbs!t"}},
        "syncJobs": {
            "push-cloud": {
                "server": "onprem", "store": "store1", "remote": "cloud", "remoteStore": "offsite",
                "syncDirection": "push",
            }
        },
    }  # fmt: skip
    stack = {"config": {f"pbs-replication:{k}": v for k, v in config.items()}}
    (tmp_path / "stacks" / "Pulumi.t.yaml").write_text(yaml.safe_dump(stack))
    monkeypatch.setenv("PBS_SERVER_SECRET_ONPREM", sim.admin_token_secret)
    monkeypatch.setenv("PBS_REMOTE_PASSWORD_CLOUD", "remote-secret")
    code = main(["doctor", "--stack", "t", "--project-dir", str(tmp_path), "--probe-timeout", "1"])
    out, err = capsys.readouterr()
    assert code == 1  # the remote's host does not answer
    assert "doctor: checking servers onprem" in err
    assert f"doctor: checking syncJobs.push-cloud (probing 127.0.0.1:{port}, up to 1s)" in err
    assert "doctor: checking" not in out  # stdout is the report only
    assert out.splitlines()[-1].startswith("doctor: ")


def test_the_simulator_names_the_port_that_is_in_use(pbs_sim_factory, tmp_path):
    sim = pbs_sim_factory("onprem")
    port = urlsplit(sim.url).port
    done = subprocess.run(
        [sys.executable, "-m", "pbs_sim", "--data-dir", str(tmp_path / "second"), "--port", str(port),
         "--root-password", "pw", "--key-bits", "0"],
        cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"127.0.0.1 port {port} is already in use" in done.stderr
    assert "--port" in done.stderr


def test_the_console_scripts_point_at_the_mains():
    project = tomllib.loads((Path(PROJECT) / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {
        "pbs-replication": "pbs_provider.__main__:main",
        "pbs-sim": "pbs_sim.__main__:main",
    }
