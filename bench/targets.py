"""The performance targets (issue 22), checked against the sections of one bench run.

Each target is a ratio or a rate measured in the same run, so that a loaded machine moves both
sides alike. A target whose size did not run in this profile (the quick and smoke profiles stop
below 1,000 jobs) is reported as not measured, never as met.
"""

from __future__ import annotations

from typing import Any

from .stats import fmt_seconds

PREVIEW_JOBS = 1000
PREVIEW_MAX_S = 1.0
AB_MAX_RATIO = 1.15
AB_MAX_PER_JOB_S = 1e-3
SIM_JOBS = 1000
SIM_GET_MIN = 1000.0
SIM_STATUS_MIN = 100.0
RAW_GROWTH_MAX = 1.5


def _row(target: str, measured: str, met: bool | None) -> dict[str, Any]:
    return {"target": target, "measured": measured, "met": met}


def _preview(sections: dict[str, Any]) -> list[dict[str, Any]]:
    p = sections.get("preview") or {}
    target = (
        f"preview (Check + Diff) of {PREVIEW_JOBS:,} unchanged jobs, 4 driver threads ≤ {PREVIEW_MAX_S} s"
    )
    if p.get("jobs") != PREVIEW_JOBS or "workers_4" not in p:
        return [_row(target, f"not measured ({p.get('jobs', 0)} jobs in this profile)", None)]
    total = p["workers_4"]["total"]["median"]
    return [_row(target, fmt_seconds(total), total <= PREVIEW_MAX_S)]


def _ab(sections: dict[str, Any]) -> list[dict[str, Any]]:
    sizes = {e["n"]: e for e in (sections.get("ab") or {}).get("sizes", [])}
    rows = []
    for n in (10, 100):
        ratio_target = f"provider / raw at N = {n} ≤ {AB_MAX_RATIO:.2f}x"
        diff_target = f"provider - raw per job at N = {n} ≤ {fmt_seconds(AB_MAX_PER_JOB_S)}"
        e = sizes.get(n)
        if e is None:
            rows += [_row(ratio_target, "not measured", None), _row(diff_target, "not measured", None)]
            continue
        ratio = e["ratio"]["total"]
        diff = e["per_job"]["provider"] - e["per_job"]["raw"]
        rows.append(_row(ratio_target, f"{ratio:.2f}x", ratio <= AB_MAX_RATIO))
        rows.append(_row(diff_target, fmt_seconds(diff), diff <= AB_MAX_PER_JOB_S))
    growth_target = f"raw baseline per job at N = 1,000 ≤ {RAW_GROWTH_MAX}x N = 10"
    if 10 in sizes and 1000 in sizes:
        growth = sizes[1000]["per_job"]["raw"] / sizes[10]["per_job"]["raw"]
        rows.append(_row(growth_target, f"{growth:.2f}x", growth <= RAW_GROWTH_MAX))
    else:
        rows.append(_row(growth_target, "not measured", None))
    return rows


def _simulator(sections: dict[str, Any]) -> list[dict[str, Any]]:
    big = [c for c in sections.get("ceiling") or [] if c["jobs_in_sync_cfg"] >= SIM_JOBS]
    get_target = f"simulator with {SIM_JOBS:,} jobs: GET /config/sync/{{id}} ≥ {SIM_GET_MIN:,.0f}/s"
    status_target = f"simulator with {SIM_JOBS:,} jobs: GET /admin/sync?store= ≥ {SIM_STATUS_MIN:.0f}/s"
    if not big:
        return [_row(get_target, "not measured", None), _row(status_target, "not measured", None)]
    c = big[-1]
    get, status = c["get_sync_job"]["per_s"], c["get_admin_sync"]["per_s"]
    return [
        _row(get_target, f"{get:,.0f}/s", get >= SIM_GET_MIN),
        _row(status_target, f"{status:,.1f}/s", status >= SIM_STATUS_MIN),
    ]


def _calls(sections: dict[str, Any]) -> list[dict[str, Any]]:
    calls = sections.get("calls")
    target = "every HTTP-calls-per-operation target (section 1)"
    if calls is None:
        return [_row(target, "not measured", None)]
    missed = calls["missed"]
    return [_row(target, "all met" if not missed else "missed: " + "; ".join(missed), not missed)]


def check(sections: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with what this run measured and whether it is met (None: not measured)."""
    return _preview(sections) + _ab(sections) + _simulator(sections) + _calls(sections)
