"""The reliability suite's pytest wiring: the `reliability` marker, the printed summary, the report.

Every test in this folder is marked `reliability` (`pytest -m reliability` selects the suite;
`make reliability` runs it alone). When any of them ran, the summary of `report.REPORT` is printed
at the end of the run and saved to `.pytest_cache/reliability-report.json`. With
`--reliability-report DIR` (`make reliability` passes `docs/reports`) the report is also written
to `DIR/reliability.json` and `DIR/reliability.md` with the commit and the date it measured.
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .report import REPORT, ROOT

HERE = Path(__file__).resolve().parent
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.reliability)


def measured_commit() -> str:
    """The commit the working tree is at, `+changes` when it differs from it."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
        return run.stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/reports")
    return f"{commit}+changes" if dirty else commit


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if REPORT.empty():
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
