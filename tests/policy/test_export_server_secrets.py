"""export_server_secrets.py: server secrets from the CI secret store into the job's environment."""

from __future__ import annotations

import json

import export_server_secrets as exporter
import pytest


def test_env_name_matches_the_stack_config_fallback():
    assert exporter.env_name("onprem") == "PBS_SERVER_SECRET_ONPREM"
    assert exporter.env_name("cloud-1.eu") == "PBS_SERVER_SECRET_CLOUD_1_EU"


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
        exporter.parse_secrets(raw)
    assert "s3cr3t-value" not in str(error.value)


def _read_github_env(text: str) -> dict[str, str]:
    values, lines = {}, iter(text.splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        values[name] = next(lines)
        assert next(lines) == delimiter
    return values


def test_main_masks_and_exports_every_secret(tmp_path, monkeypatch, capsys):
    github_env = tmp_path / "github_env"
    monkeypatch.setenv("GITHUB_ENV", str(github_env))
    monkeypatch.setenv("PBS_SERVER_SECRETS", json.dumps({"onprem": "tok-1", "cloud": "tok-2"}))
    assert exporter.main() == 0
    out = capsys.readouterr().out
    assert "::add-mask::tok-1" in out and "::add-mask::tok-2" in out
    assert _read_github_env(github_env.read_text()) == {
        "PBS_SERVER_SECRET_CLOUD": "tok-2",
        "PBS_SERVER_SECRET_ONPREM": "tok-1",
    }


def test_main_without_the_secret_exports_nothing(tmp_path, monkeypatch):
    github_env = tmp_path / "github_env"
    monkeypatch.setenv("GITHUB_ENV", str(github_env))
    monkeypatch.delenv("PBS_SERVER_SECRETS", raising=False)
    assert exporter.main() == 0
    assert not github_env.exists()


def test_main_fails_on_malformed_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ENV", str(tmp_path / "github_env"))
    monkeypatch.setenv("PBS_SERVER_SECRETS", "{not json")
    assert exporter.main() == 1
