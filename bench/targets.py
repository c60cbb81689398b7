"""The performance targets, checked against the sections of one bench run.

Each target is a ratio or a rate measured in the same run, so that a loaded machine moves both
sides alike. A target whose size did not run in this profile (the quick and smoke profiles stop
below 1,000 jobs) is reported as not measured, never as met. Met or not is judged on the figure
the target names (wall time, rates); next to it, where the run recorded it, the same comparison in
CPU time of the processes involved — what the work costs, whatever else the machine is doing.
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


def _row(target: str, measured: str, met: bool | None, cpu: str = "-") -> dict[str, Any]:
    return {"target": target, "measured": measured, "met": met, "cpu": cpu}


def _cpu_total(cpu: dict[str, float] | None, names: tuple[str, ...]) -> float | None:
    if not cpu or any(cpu.get(n) is None for n in names):
        return None
    return sum(cpu[n] for n in names)


def _preview(sections: dict[str, Any]) -> list[dict[str, Any]]:
    p = sections.get("preview") or {}
    target = (
        f"preview (Check + Diff) of {PREVIEW_JOBS:,} unchanged jobs, 4 driver threads ≤ {PREVIEW_MAX_S} s"
    )
    if p.get("jobs") != PREVIEW_JOBS or "workers_4" not in p:
        return [_row(target, f"not measured ({p.get('jobs', 0)} jobs in this profile)", None)]
    total = p["workers_4"]["total"]["median"]
    cpu = p["workers_4"].get("cpu_per_resource_s")
    view = "-"
    if cpu:
        view = f"CPU per job: plugin {fmt_seconds(cpu['plugin'])}, driver {fmt_seconds(cpu['driver'])}"
    return [_row(target, fmt_seconds(total), total <= PREVIEW_MAX_S, view)]


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
        cpu = e.get("cpu_per_job") or {}
        a = _cpu_total(cpu.get("provider"), ("plugin", "driver", "simulator"))
        b = _cpu_total(cpu.get("raw"), ("driver", "simulator"))
        ratio_view = diff_view = "-"
        if a is not None and b:
            ratio_view = f"CPU of all processes per job: {a / b:.2f}x"
            diff_view = f"CPU per job: {fmt_seconds(a - b)} (plugin {fmt_seconds(cpu['provider']['plugin'])})"
        rows.append(_row(ratio_target, f"{ratio:.2f}x", ratio <= AB_MAX_RATIO, ratio_view))
        rows.append(_row(diff_target, fmt_seconds(diff), diff <= AB_MAX_PER_JOB_S, diff_view))
    growth_target = f"raw baseline per job at N = 1,000 ≤ {RAW_GROWTH_MAX}x N = 10"
    if 10 in sizes and 1000 in sizes:
        growth = sizes[1000]["per_job"]["raw"] / sizes[10]["per_job"]["raw"]
        small = _cpu_total((sizes[10].get("cpu_per_job") or {}).get("raw"), ("driver", "simulator"))
        large = _cpu_total((sizes[1000].get("cpu_per_job") or {}).get("raw"), ("driver", "simulator"))
        view = f"CPU per job: {large / small:.2f}x" if small and large is not None else "-"
        rows.append(_row(growth_target, f"{growth:.2f}x", growth <= RAW_GROWTH_MAX, view))
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
        _row(get_target, f"{get:,.0f}/s", get >= SIM_GET_MIN, _one_core(c["get_sync_job"])),
        _row(status_target, f"{status:,.1f}/s", status >= SIM_STATUS_MIN, _one_core(c["get_admin_sync"])),
    ]


def _one_core(rate: dict[str, Any]) -> str:
    if not rate.get("per_s_one_core"):
        return "-"
    cpu = fmt_seconds(rate["sim_cpu_s"])
    return f"simulator CPU {cpu}/request: {rate['per_s_one_core']:,.0f}/s on one free core"


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
