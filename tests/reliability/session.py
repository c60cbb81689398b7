"""The reliability suite's session plugin (loaded by tests/conftest.py): the `reliability` marker,
the printed summary, the report.

When any test of tests/reliability ran, the summary of `report.REPORT` is printed at the end of the
run and saved to `.pytest_cache/reliability-report.json`. With `--reliability-report DIR` (`make
reliability` passes `docs/reports`) the report is also written to `DIR/reliability.json` and
`DIR/reliability.md` with the commit and the date it measured. Under pytest-xdist (`pytest -n`) each
worker hands its report to the controller when it finishes, and the controller prints and saves the
whole.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from .report import REPORT, ROOT, Report

WORKER_OUTPUT = "reliability-report"
_STARTED = [time.monotonic()]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-report",
        metavar="DIR",
        default=None,
        help="also write the reliability report (reliability.json, reliability.md) to DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reliability: fault matrix, crash, bad input, secrets, transport, parallel writers"
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    _STARTED[0] = time.monotonic()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand this worker's report to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None and not REPORT.empty():
        output[WORKER_OUTPUT] = json.dumps(REPORT.to_json())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """In the xdist controller: add a finished worker's report to the session's."""
    data = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
    if data:
        REPORT.merge(Report.from_json(json.loads(data)))


def measured_commit() -> str:
    """The commit the working tree is at, `+changes` when it differs from it."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
        return run.stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/reports")
    return f"{commit}+changes" if dirty else commit


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if REPORT.empty() or hasattr(config, "workerinput"):
        return
    REPORT.wall_times["suite"] = round(time.monotonic() - _STARTED[0], 1)
    stamp = {
        "commit": measured_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "suite_seconds": REPORT.wall_times["suite"],
    }
    REPORT.save(stamp=stamp)
    target = config.getoption("--reliability-report")
    if target:
        REPORT.write_committed(Path(target), stamp)
    terminalreporter.write_sep("=", "reliability")
    terminalreporter.write_line(REPORT.render())
    if target:
        terminalreporter.write_line(f"report written to {target}/reliability.md and reliability.json")
