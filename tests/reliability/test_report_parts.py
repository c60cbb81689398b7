"""The report travels from an xdist worker to the controller as JSON and is added up there
(`Report.from_json`, `Report.merge`); `FAULT_MATRIX_SHARE` shares the fault matrix's chains out
(tests/reliability/conftest.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from .conftest import fault_matrix_share
from .report import Report, Scenario


def scenario(fault: str, outcome: str = "ok", **extra: Any) -> Scenario:
    return Scenario("fault matrix", "Remote", "create", fault, True, outcome, **extra)


def part(fault: str, outcome: str, bad_inputs: int, note: str, wall: dict[str, float]) -> Report:
    report = Report(bad_inputs=bad_inputs, notes=[note], wall_times=wall)
    report.add(scenario(fault, outcome, retries=2, message="x"))
    return report


def test_a_report_comes_back_from_its_json_unchanged():
    report = part("503", "failed clearly", 3, "a note", {"fault matrix": 12.5})
    again = Report.from_json(json.loads(json.dumps(report.to_json(stamp={"commit": "abc"}))))
    assert again == report and again.figures() == report.figures()


def test_merged_parts_are_the_report_of_the_whole_session():
    first = part("503", "failed clearly", 3, "one", {"fault matrix": 12.5})
    second = part("500", "ok", 4, "two", {"suite": 99.0})
    whole = Report(bad_inputs=7, notes=["one", "two"], wall_times={"fault matrix": 12.5, "suite": 99.0})
    whole.add(scenario("503", "failed clearly", retries=2, message="x"))
    whole.add(scenario("500", "ok", retries=2, message="x"))
    first.merge(second)
    assert first == whole and first.figures() == whole.figures()
    assert second == part("500", "ok", 4, "two", {"suite": 99.0})  # the part merged in is left as it was


def chains(count: int) -> list[Any]:
    return [SimpleNamespace(name="test_fault_chain[no-fault]")] + [
        SimpleNamespace(name=f"test_fault_chain[f{i}]") for i in range(count)
    ]


def test_the_shares_of_the_fault_matrix_run_every_chain_once_and_the_control_chain_in_each():
    items = chains(11)
    ran = []
    for k in (1, 2, 3):
        left_out = fault_matrix_share(f"{k}/3", items)
        assert items[0] not in left_out
        ran += [item.name for item in items[1:] if item not in left_out]
    assert sorted(ran) == sorted(item.name for item in items[1:])
    assert fault_matrix_share("1/1", items) == []


@pytest.mark.parametrize("value", ["0/3", "4/3", "1", "a/b", "1/0", ""])
def test_a_share_that_does_not_parse_is_one_usage_error_naming_the_variable(value):
    with pytest.raises(pytest.UsageError, match=r"^FAULT_MATRIX_SHARE=.*expected k/n with 1 <= k <= n"):
        fault_matrix_share(value, chains(3))
