"""Every shell block of README.md and docs/ is either run by a test or marked as needing real servers.

The HTML comment right above a `sh`/`console` block says which:

- `needs real servers`: commands on a PBS host or with the Pulumi CLI against real servers;
- `run by tests/docs/test_commands.py`: this module runs the block's commands (placeholders such as
  `<token secret>` replaced by a simulator's values) against a PBS simulator — `RUNNERS` below;
- `run by <another test file>`: that file (or a helper module next to it) runs the same command against
  simulators (its subcommand appears in a `main([...])` or `command(...)` call there);
- `dry run by tests/docs/test_commands.py`: long-running `make` targets and benchmarks are not run here;
  `make -n` proves each target exists and `--help` after the block's options proves the command accepts
  them.
"""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from pbs_sim.testing import start_simulator

from .pages import PAGES, ROOT, Block, blocks, rel

SHELL = {"sh", "bash", "shell", "console"}
REAL, RUN_HERE, DRY_HERE = (
    "needs real servers",
    "run by tests/docs/test_commands.py",
    "dry run by tests/docs/test_commands.py",
)


def _mark(block: Block) -> str | None:
    for mark in block.marks:
        text = mark.removeprefix("<!--").removesuffix("-->").strip()
        if text.startswith((REAL, DRY_HERE, "run by ")):
            return text
    return None


def shell_blocks() -> list[tuple[Block, Block | None]]:
    found = []
    for page in PAGES:
        page_blocks = blocks(page)
        for i, block in enumerate(page_blocks):
            if block.lang in SHELL:
                found.append((block, page_blocks[i + 1] if i + 1 < len(page_blocks) else None))
    return found


def commands(block: Block) -> list[str]:
    """The block's commands: continuation lines joined, comments and `$ ` prompts stripped, output
    lines (of a `console` block) left out."""
    result: list[str] = []
    pending = ""
    for line in block.text.split("\n"):
        if block.lang == "console" and not pending:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        line = pending + line
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1] + " "
            continue
        pending = ""
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith("#"):
            result.append(command)
    return result


def _id(example: tuple[Block, Block | None]) -> str:
    return f"{rel(example[0].page)}:{example[0].line}"


BLOCKS = shell_blocks()


def test_every_shell_block_is_run_or_marked():
    unmarked = [_id(b) for b in BLOCKS if _mark(b[0]) is None]
    assert not unmarked, f"shell blocks without `<!-- {REAL} -->` or `<!-- run by <test> -->`: {unmarked}"


@pytest.mark.parametrize(
    "example", [b for b in BLOCKS if (_mark(b[0]) or "").startswith("run by tests/")], ids=_id
)
def test_blocks_run_by_a_test_file_name_one_that_runs_the_command(example):
    path = (_mark(example[0]) or "").removeprefix("run by ").split()[0]
    if path == "tests/docs/test_commands.py":
        assert _runner(example[0]) is not None, "no runner in RUNNERS for this block"
        return
    test_file = ROOT / path
    text = test_file.read_text()
    # and its helper modules in the same folder
    for local in re.findall(r"^from \.(\w*) import (\w+)", text, flags=re.M):
        for name in local:
            if name and (test_file.parent / f"{name}.py").exists():
                text += (test_file.parent / f"{name}.py").read_text()
    for command in commands(example[0]):
        words = shlex.split(command.split("=", 1)[1] if re.match(r"^[A-Z_]+=\S*\s", command) else command)
        subcommand = words[words.index("-m") + 2]
        assert re.search(rf"(main\(\s*\[|command\()\s*\"{subcommand}\"", text), (path, subcommand)


# ----- the blocks this module runs --------------------------------------------------------------------------


def _environment(command: str) -> tuple[dict[str, str], list[str]]:
    """`VAR=value cmd args` as (environment additions, argv); `.venv/bin/python` is this interpreter."""
    words = shlex.split(command)
    env = {}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    if words and words[0] == ".venv/bin/python":
        words[0] = sys.executable
    return env, words


def _run(
    argv: list[str], env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


def run_export(block: Block, following: Block | None, tmp_path: Path) -> None:
    """The export command against a simulator holding a remote and a push job: it prints them with
    `adopt: true` and the command to set the remote's password."""
    secret = str(uuid.uuid4())
    with start_simulator(
        tmp_path / "pbs1", datastores=["store1"], tokens=[("root@pam!export", secret)]
    ) as sim:
        sim.api("POST", "/config/remote", json={"name": "cloud", "host": "pbs.cloud.example.com",
                                                "auth-id": "sync@pbs!push", "password": "x"})  # fmt: skip
        job = {"id": "push-cloud", "store": "store1", "remote": "cloud", "remote-store": "offsite"}
        sim.api("POST", "/config/sync", json={**job, "sync-direction": "push"})
        (command,) = commands(block)
        command = (
            command.replace("<token secret>", secret)
            .replace("https://pbs1.example.internal:8007", sim.url)
            .replace("<fp>", sim.fingerprint)
        )
        env, argv = _environment(command)
        done = _run(argv, env)
    assert done.returncode == 0, done.stderr
    assert "push-cloud:" in done.stdout and "cloud:" in done.stdout and "adopt: true" in done.stdout
    assert "pulumi config set --secret --path 'remotePasswords.cloud'" in done.stdout
    assert "--stack prod" in done.stdout and secret not in done.stdout + done.stderr


def run_simulator(block: Block, following: Block | None, tmp_path: Path) -> None:
    """The simulator command with every optional flag (brackets dropped), its data in a temporary
    directory and an EC key (RSA 4096 takes seconds): it prints the one JSON line the page shows,
    and stops cleanly on SIGTERM."""
    (command,) = commands(block)
    _, argv = _environment(command.replace("[", "").replace("]", ""))
    argv[argv.index("--data-dir") + 1] = str(tmp_path / "onprem")
    argv[argv.index("--key-bits") + 1] = "0"
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "the simulator printed nothing within 60 s"
        line = process.stdout.readline()  # type: ignore[union-attr]
        process.terminate()
        assert process.wait(timeout=30) == 0, process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    shown = json.loads(following.text) if following is not None else {}
    printed = json.loads(line)
    assert set(printed) == set(shown) and printed["url"].startswith("https://127.0.0.1:")
    assert (printed["node"], printed["version"]) == (shown["node"], shown["version"]) == ("pbs1", "4.2.3")
    assert re.fullmatch(r"([0-9a-f]{2}:){31}[0-9a-f]{2}", printed["fingerprint"])


RUNNERS: dict[str, Callable[[Block, Block | None, Path], None]] = {
    "PBS_SECRET=<token secret> .venv/bin/python -m pbs_provider export": run_export,
    ".venv/bin/python -m pbs_sim --data-dir": run_simulator,
}


def _runner(block: Block) -> Callable[[Block, Block | None, Path], None] | None:
    first = commands(block)[0]
    matches = [run for prefix, run in RUNNERS.items() if first.startswith(prefix)]
    return matches[0] if len(matches) == 1 else None


HERE = [b for b in BLOCKS if _mark(b[0]) == RUN_HERE]


def test_every_runner_has_its_block():
    used = {prefix for prefix in RUNNERS for b in HERE if commands(b[0])[0].startswith(prefix)}
    assert used == set(RUNNERS)


@pytest.mark.parametrize("example", HERE, ids=_id)
def test_blocks_run_here(example, tmp_path):
    runner = _runner(example[0])
    assert runner is not None
    runner(example[0], example[1], tmp_path)


@pytest.mark.parametrize("example", [b for b in BLOCKS if _mark(b[0]) == DRY_HERE], ids=_id)
def test_dry_run_blocks_name_real_targets_and_options(example):
    for command in commands(example[0]):
        _, argv = _environment(command)
        done = _run(["make", "-n", *argv[1:]]) if argv[0] == "make" else _run([*argv, "--help"])
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])


# A bare `python -m …` names no interpreter; naming it as what an installed console script is the same as
# (`pbs-sim` (or `python -m pbs_sim`)) is allowed.
BARE_PYTHON = re.compile(
    r"(?<!same as `)(?<!\(or `)(?<![/\w.-])python3? -m (?:pbs_provider|pbs_sim|bench|tests\.)"
)


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_commands_name_their_interpreter(page):
    """`python -m pbs_provider …` fails with the system's Python: pages write `.venv/bin/python -m …`."""
    bare = [m.group(0) for m in BARE_PYTHON.finditer(page.read_text())]
    assert not bare, f"{rel(page)}: {bare}"


def test_a_bare_interpreter_is_recognised():
    assert BARE_PYTHON.search("run `python -m pbs_provider doctor`")
    assert not BARE_PYTHON.search("run `.venv/bin/python -m pbs_provider doctor`")
    assert not BARE_PYTHON.search("`pbs-sim` (or `python -m pbs_sim`) runs one simulator")
