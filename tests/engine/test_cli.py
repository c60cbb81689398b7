"""`python -m offline_engine`: the offline engine's CLI on the toy project, and its plan rendering.

The CLI runs in a subprocess, as `make demo` runs it; the toy project (tests/engine/toy) is copied to a
temporary directory with a stack file of the test's own, so state and "API" live under tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from offline_engine import props as P
from offline_engine.display import field_lines, summary_lines
from offline_engine.engine import Step

TOY = Path(__file__).parent / "toy"
PROJECT = Path(__file__).resolve().parents[2]
LABEL = "[offline engine]"


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    project = tmp_path / "toy"
    shutil.copytree(TOY, project, ignore=shutil.ignore_patterns("__pycache__"))
    return project


def set_things(project: Path, things: dict) -> None:
    config = {"toy:storePath": str(project / "api.json"), "toy:things": things}
    (project / "stacks" / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": config}))


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(PROJECT)  # the offline_engine package; the program itself never sees it
    return subprocess.run(
        [sys.executable, "-m", "offline_engine", *args, "--stack", "test", "--cwd", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_preview_up_and_the_diff_of_an_update_a_replace_and_a_delete(toy):
    set_things(toy, {"alpha": {"value": "one"}, "beta": {"value": "two", "replaceKey": "k1"}})
    preview = cli(toy, "preview", "--diff")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    lines = preview.stdout.splitlines()
    assert all(line.startswith(LABEL) for line in lines)
    assert f"{LABEL}  + toy:Thing alpha (create)" in lines
    assert f'{LABEL}       + value: "one"' in lines
    assert f"{LABEL}     + 2 to create" in lines
    assert not (toy / ".demo" / "offline-state" / "test.json").exists()  # a preview writes no state

    up = cli(toy, "up", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"{LABEL}     + 2 created" in up.stdout.splitlines()
    assert json.loads((toy / ".demo" / "offline-state" / "test.json").read_text())["resources"]

    set_things(
        toy,
        {
            "alpha": {"value": "uno"},
            "gamma": {"value": "three"},
            "beta": {"value": "two", "replaceKey": "k2"},
        },
    )
    preview = cli(toy, "preview", "--diff")
    lines = preview.stdout.splitlines()
    at = lines.index(f"{LABEL}  ~ toy:Thing alpha (update)")
    assert lines[at + 1] == f'{LABEL}       ~ value: "one" => "uno"'
    assert not lines[at + 2].startswith(f"{LABEL}       ")  # the unchanged fields are not shown
    assert f"{LABEL} +- toy:Thing beta (replace)" in lines
    assert f'{LABEL}       ~ replaceKey: "k1" => "k2" (forces replacement)' in lines
    assert f"{LABEL}  + toy:Thing gamma (create)" in lines
    assert f"{LABEL}     + 1 to create" in lines and f"{LABEL}     ~ 1 to update" in lines
    assert f"{LABEL}     +- 1 to replace" in lines

    failed = cli(toy, "up", "--expect-no-changes")
    assert failed.returncode == 255
    assert f"{LABEL} error: no changes were expected but changes occurred" in failed.stderr

    set_things(toy, {"alpha": {"value": "uno"}})
    up = cli(toy, "up", "--diff")
    assert up.returncode == 0, up.stdout + up.stderr
    lines = up.stdout.splitlines()
    assert f"{LABEL}  - toy:Thing beta (delete)" in lines and f"{LABEL}  - toy:Thing gamma (delete)" in lines
    assert f'{LABEL}       - value: "three"' in lines

    again = cli(toy, "up", "--expect-no-changes")
    assert again.returncode == 0 and f"{LABEL}     1 unchanged" in again.stdout.splitlines()
    output = cli(toy, "stack-output", "--json")
    assert json.loads("\n".join(line.removeprefix(LABEL) for line in output.stdout.splitlines())) == {
        "names": ["alpha"]
    }

    destroy = cli(toy, "destroy")
    assert destroy.returncode == 0 and f"{LABEL}     - 1 deleted" in destroy.stdout.splitlines()
    assert cli(toy, "stack-output").stdout.splitlines() == [f"{LABEL} Current stack outputs:"]


def test_a_config_error_is_one_labelled_line_and_exit_255(toy):
    (toy / "stacks" / "Pulumi.test.yaml").write_text("config:\n  toy:things: {a: {value: x}}\n")
    result = cli(toy, "preview")
    assert result.returncode == 255
    assert result.stderr == f"{LABEL} error: Stack 'test' is missing configuration value 'storePath'\n"
    missing = cli(toy, "refresh")
    assert missing.returncode == 255 and "no state for stack 'test'" in missing.stderr


def test_secrets_and_unknowns_are_masked_and_internal_inputs_left_out():
    new = {"__provider": "pickled", "password": P.secret("hunter2"), "id": P.UNKNOWN, "n": 1}
    assert field_lines("create", None, new) == ['+ id: "[unknown]"', "+ n: 1", '+ password: "[secret]"']
    old = {"password": P.secret("old"), "n": 1}
    assert field_lines("update", old, {"password": P.secret("new"), "n": 1}) == [
        '~ password: "[secret]" => "[secret]"'
    ]
    assert field_lines("update", {"n": 1, "gone": "x"}, {"n": 2}) == ['- gone: "x"', "~ n: 1 => 2"]


def test_summary_words_follow_the_cli():
    steps = [Step("create", "a"), Step("same", "b"), Step("delete", "c")]
    assert summary_lines(steps, preview=True) == [
        "Resources:",
        "    + 1 to create",
        "    - 1 to delete",
        "    1 unchanged",
    ]
    assert summary_lines(steps, preview=False) == [
        "Resources:",
        "    + 1 created",
        "    - 1 deleted",
        "    1 unchanged",
    ]
