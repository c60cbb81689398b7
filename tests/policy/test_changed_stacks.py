"""changed_stacks.py: which stacks a change touches (the workflows' matrix)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import changed_stacks
import pytest

STACKS = ["dev", "prod", "staging"]


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["stacks/Pulumi.staging.yaml"], ["staging"]),
        (["stacks/Pulumi.staging.yaml", "stacks/Pulumi.prod.yml"], ["prod", "staging"]),
        (["README.md", "docs/architecture.md", "tests/test_x.py"], []),
        (["stacks/Pulumi.gone.yaml"], []),
        (["pbs_provider/resources/sync_job.py"], STACKS),
        (["policy/config/prod.json"], STACKS),
        (["requirements.txt"], STACKS),
        (["__main__.py"], STACKS),
        (["pbs_provider_notes.md"], []),
    ],
)
def test_touched_stacks(changed, expected):
    assert changed_stacks.touched_stacks(changed, STACKS) == expected


def test_select_skips_and_puts_gated_stacks_apart():
    selection = changed_stacks.select(STACKS, skip=["dev"], gated=["prod"])
    assert (selection.stacks, selection.gated, selection.all) == (["staging"], ["prod"], ["prod", "staging"])


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "t@example.com")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "stacks").mkdir()
    for stack in STACKS:
        (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    (tmp_path / "README.md").write_text("x\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def test_changed_files_from_the_merge_base(repo):
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "stacks" / "Pulumi.staging.yaml").write_text("config: {a: 1}\n")
    _git(repo, "commit", "-qam", "staging")
    assert changed_stacks.changed_files(repo, base, "HEAD") == ["stacks/Pulumi.staging.yaml"]
    assert changed_stacks.changed_files(repo, "0" * 40, "HEAD") is None
    assert changed_stacks.changed_files(repo, "", "HEAD") is None
    assert changed_stacks.changed_files(repo, "f" * 40, "HEAD") is None


def test_main_writes_the_github_outputs(repo, tmp_path, monkeypatch, capsys):
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "stacks" / "Pulumi.prod.yaml").write_text("config: {a: 1}\n")
    (repo / "stacks" / "Pulumi.dev.yaml").write_text("config: {a: 1}\n")
    _git(repo, "commit", "-qam", "prod and dev")
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert changed_stacks.main(["--repo", str(repo), "--base", base, "--skip", "dev"]) == 0
    assert json.loads(capsys.readouterr().out) == {"stacks": [], "gated": ["prod"], "all": ["prod"]}
    assert output.read_text().splitlines() == ["stacks=[]", 'gated=["prod"]', 'all=["prod"]']


def test_main_all_and_only(repo, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    assert changed_stacks.main(["--repo", str(repo), "--all", "--skip", "dev, staging"]) == 0
    assert json.loads(capsys.readouterr().out)["all"] == ["prod"]
    assert changed_stacks.main(["--repo", str(repo), "--only", "dev", "--skip", "dev"]) == 0
    assert json.loads(capsys.readouterr().out)["stacks"] == ["dev"]
    assert changed_stacks.main(["--repo", str(repo), "--only", "qa"]) == 1
