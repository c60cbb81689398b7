"""The committed report (`docs/reports/reliability.json` + `.md`, written by `make reliability`)
has the structure the suite produces, and — when this session ran the suite — the same scenarios.

* The JSON is exactly what `Report.to_json` makes of its own data, and the Markdown exactly what
  `Report.markdown` renders from it: no figure in either was typed by hand, and a change of the
  report's fields or columns fails here until the report is written again.
* It carries the commit and the date it measured, and every section of the suite.
* Its fault matrix has every fault of `faults.FAULTS` on every resource and operation.
* If this session ran the fault matrix (this file runs last in the folder: pytest takes a
  folder's files in name order), the committed scenarios are the ones this run produced, and each
  fault and operation of the matrix has the same verdicts across the resource types.

A run that writes the report (`make reliability`) skips these checks: it replaces the files.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from .faults import FAULTS
from .report import COMMITTED, REPORT, SECTIONS, Report
from .stack_under_test import MANAGED
from .test_fault_matrix import OPERATIONS

JSON, MARKDOWN = COMMITTED / "reliability.json", COMMITTED / "reliability.md"


@pytest.fixture(scope="module")
def committed(pytestconfig: pytest.Config) -> Report:
    if pytestconfig.getoption("--reliability-report", default=None):
        pytest.skip("this run writes the committed report: the next run checks it")
    assert JSON.exists() and MARKDOWN.exists(), "no committed report: run `make reliability`"
    return Report.load(JSON)


def identities(report: Report) -> set[tuple[str, str, str, str]]:
    return {(s.section, s.fault, s.kind, s.op) for s in report.scenarios}


def test_the_files_are_what_the_report_code_makes_of_them(committed: Report) -> None:
    stamp = Report.stamp_of(JSON)
    assert json.loads(JSON.read_text()) == json.loads(json.dumps(committed.to_json(stamp)))
    assert MARKDOWN.read_text() == committed.markdown(stamp)


def test_it_says_what_it_measured_and_covers_every_section(committed: Report) -> None:
    stamp = Report.stamp_of(JSON)
    assert {"commit", "date", "suite_seconds"} <= set(stamp)
    assert {s.section for s in committed.scenarios} == set(SECTIONS)
    assert committed.wall_times.get("fault matrix"), "the matrix's wall time is missing"


def test_its_matrix_has_every_fault_on_every_cell(committed: Report) -> None:
    cells = {(s.fault, s.kind, s.op) for s in committed.scenarios if s.section == "fault matrix"}
    expected = {(f.name, m.kind.name, op) for f in FAULTS for m in MANAGED for op in OPERATIONS}
    assert cells == expected


def test_it_matches_this_run(committed: Report) -> None:
    matrix = {s.fault for s in REPORT.scenarios if s.section == "fault matrix"}
    if matrix != {f.name for f in FAULTS} or {s.section for s in REPORT.scenarios} != set(SECTIONS):
        pytest.skip("this session did not run the whole reliability suite")
    assert identities(committed) == identities(REPORT)

    # Verdicts are compared per (fault, operation) across the resource types: a verb stops at its first
    # failing resource, and which of several independent resources that is depends on the order the
    # program registered them in (any order, as in Pulumi), so one run's "failed clearly" at the
    # token may be another's "not reached" there and "failed clearly" at the user — and a refusal met
    # earlier leaves more resources not reached. Those two are counted together; absorbed and did not
    # survive must match exactly.
    stopped = {
        "failed clearly": "failed clearly or not reached",
        "not reached": "failed clearly or not reached",
    }

    def rows(report: Report) -> dict[tuple[str, str], Counter[str]]:
        found: dict[tuple[str, str], Counter[str]] = {}
        for s in report.scenarios:
            if s.section == "fault matrix":
                found.setdefault((s.fault, s.op), Counter())[stopped.get(s.verdict, s.verdict)] += 1
        return found

    now, then = rows(REPORT), rows(committed)
    stale = [
        f"{fault} / {op}: committed {dict(then[fault, op])}, now {dict(now[fault, op])}"
        for fault, op in sorted(then)
        if then[fault, op] != now.get((fault, op))
    ]
    assert not stale, "the committed report is stale (run `make reliability`):\n" + "\n".join(stale)
