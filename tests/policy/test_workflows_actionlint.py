"""The GitHub workflows pass actionlint (with shellcheck on their `run:` scripts).

actionlint knows the inputs of pulumi/actions, actions/checkout and actions/setup-python, checks
expressions, contexts, reusable-workflow inputs and needs/outputs; shellcheck checks the scripts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO_ROOT, WORKFLOWS_DIR

BIN_DIR = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN_DIR / name if (BIN_DIR / name).exists() else shutil.which(name)
    assert path, f"{name} is not installed: pip install -r requirements-dev.txt"
    return str(path)


def actionlint(repo: Path) -> subprocess.CompletedProcess[str]:
    """Runs actionlint over the workflows of `repo` (a git work tree), shellcheck enabled."""
    workflows = sorted(str(p) for p in (repo / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, f"no workflow files in {repo}"
    return subprocess.run(
        [
            _tool("actionlint"),
            "-no-color",
            "-oneline",
            "-shellcheck",
            _tool("shellcheck"),
            "-pyflakes",
            "",
            *workflows,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy_of_workflows(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(WORKFLOWS_DIR, repo / ".github" / "workflows")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def test_the_workflows_pass_actionlint():
    result = actionlint(REPO_ROOT)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_actionlint_reports_an_undefined_input_of_pulumi_actions(tmp_path):
    repo = _copy_of_workflows(tmp_path)
    stack_workflow = repo / ".github" / "workflows" / "pulumi-stack.yml"
    text = stack_workflow.read_text()
    assert "policyPacks: policy\n" in text
    stack_workflow.write_text(text.replace("policyPacks: policy\n", "policy-packs: policy\n", 1))
    result = actionlint(repo)
    assert result.returncode != 0
    assert 'input "policy-packs" is not defined in action "pulumi/actions' in result.stdout


def test_actionlint_reports_a_reusable_workflow_input_that_does_not_exist(tmp_path):
    repo = _copy_of_workflows(tmp_path)
    preview = repo / ".github" / "workflows" / "pulumi-preview.yml"
    preview.write_text(preview.read_text().replace("comment-on-pr: true", "comment-on-prs: true"))
    result = actionlint(repo)
    assert result.returncode != 0 and "comment-on-prs" in result.stdout


def test_shellcheck_runs_on_run_scripts(tmp_path):
    repo = _copy_of_workflows(tmp_path)
    bad = repo / ".github" / "workflows" / "bad.yml"
    bad.write_text(
        "name: bad\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: rm -rf $HOME/$DIR\n"
    )
    result = actionlint(repo)
    assert result.returncode != 0 and "SC2086" in result.stdout
