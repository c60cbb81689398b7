"""export_pbs_secrets.py: PBS secrets from the CI secret store into the job's environment."""

from __future__ import annotations

import json

import export_pbs_secrets as exporter
import pytest

from pbs_provider.servers import secret_env_var
from pbs_provider.stack_config import remote_password_env_var


@pytest.mark.parametrize(
    "raw",
    [
        '{"onprem": "s3cr3t-value", "cloud": 5}',
        '["s3cr3t-value"]',
        "s3cr3t-value",
        '{"x": "a\\ns3cr3t-value"}',
    ],
)
def test_bad_input_is_refused_without_quoting_a_secret(raw):
    with pytest.raises(ValueError) as error:
        exporter.parse_secrets("PBS_SERVER_SECRETS", raw)
    assert "s3cr3t-value" not in str(error.value) and "PBS_SERVER_SECRETS" in str(error.value)


def _read_github_env(text: str) -> dict[str, str]:
    values, lines = {}, iter(text.splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        values[name] = next(lines)
        assert next(lines) == delimiter
    return values


def test_main_masks_and_exports_under_the_programs_variable_names(tmp_path, monkeypatch, capsys):
    github_env = tmp_path / "github_env"
    monkeypatch.setenv("GITHUB_ENV", str(github_env))
    monkeypatch.setenv("PBS_SERVER_SECRETS", json.dumps({"onprem": "tok-1", "cloud-1": "tok-2"}))
    monkeypatch.setenv("PBS_REMOTE_PASSWORDS", json.dumps({"cloud-pbs1": "pw-3"}))
    assert exporter.main() == 0
    out = capsys.readouterr().out
    assert all(f"::add-mask::{v}" in out for v in ("tok-1", "tok-2", "pw-3"))
    assert _read_github_env(github_env.read_text()) == {
        secret_env_var("onprem"): "tok-1",
        secret_env_var("cloud-1"): "tok-2",
        remote_password_env_var("cloud-pbs1"): "pw-3",
    }
    assert secret_env_var("cloud-1") == "PBS_SERVER_SECRET_CLOUD_1"


def test_main_without_the_secrets_exports_nothing(tmp_path, monkeypatch):
    github_env = tmp_path / "github_env"
    monkeypatch.setenv("GITHUB_ENV", str(github_env))
    monkeypatch.delenv("PBS_SERVER_SECRETS", raising=False)
    monkeypatch.delenv("PBS_REMOTE_PASSWORDS", raising=False)
    assert exporter.main() == 0
    assert not github_env.exists()


def test_main_fails_on_malformed_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ENV", str(tmp_path / "github_env"))
    monkeypatch.delenv("PBS_SERVER_SECRETS", raising=False)
    monkeypatch.setenv("PBS_REMOTE_PASSWORDS", "{not json")
    assert exporter.main() == 1
    assert not (tmp_path / "github_env").exists()
