"""The reliability suite's pytest wiring: the `reliability` marker and the printed summary.

Every test in this folder is marked `reliability` (`pytest -m reliability` selects the suite;
`make reliability` runs it alone). When any of them ran, the summary of `report.REPORT` is printed
at the end of the run and saved to `.pytest_cache/reliability-report.json`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .report import REPORT

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reliability: fault matrix, crash, bad input, secrets, transport, parallel writers"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.reliability)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT.empty():
        return
    REPORT.save()
    terminalreporter.write_sep("=", "reliability")
    terminalreporter.write_line(REPORT.render())
