"""Renders a bench result (the JSON written under `bench/results/`) as Markdown tables.

The same text is printed by `python -m bench` and, for a full run, written to
`bench/results/latest.md` (the file docs/performance.md links).
"""

from __future__ import annotations

from typing import Any

from .stats import fmt_median, fmt_seconds
from .targets import AB_MAX_PER_JOB_S


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _kinds(by_kind: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" if v > 1 else k for k, v in by_kind.items()) or "-"


def _verb_cell(v: dict[str, Any]) -> str:
    return f"{fmt_median(v['wall'])}; {fmt_seconds(v['per_resource_s'])}/res; {v['calls']} calls"


def _size_text(style: str, s: dict[str, Any]) -> str:
    text = f"{style} jobs {s['bytes_per_job']:.0f} B/job → at most {s['max_jobs']} jobs per stack"
    if "starts_at_max" in s:
        ok = "starts" if s["starts_at_max"] else "does NOT start"
        over = "fails (E2BIG)" if not s["starts_at_max_plus_5"] else "still starts"
        text += f" (checked: {s['max_jobs']} {ok}, {s['max_jobs'] + 5} {over})"
    return text


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _rate_cell(rate: dict[str, Any], spec: str) -> str:
    text = f"{rate['per_s']:{spec}}/s"
    if rate.get("sim_cpu_s") is not None:
        text += f" ({fmt_seconds(rate['sim_cpu_s'])} CPU)"
    return text


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def _profile(p: dict[str, Any]) -> list[str]:
    lines = [
        f"## 7. Where the plugin's time goes: cProfile in the plugin per RPC ({p['jobs']} jobs, 1 driver)",
        "",
        "Check + Create, Check + Diff (unchanged), Check + Diff + Update (new comment), Delete per job, "
        "after a warm-up job (imports and unpickling excluded). Times are as the profiler saw them "
        "(inflated by it, and by the load of the machine); read the split and the order. "
        "`python -m bench --only profile` reruns this section alone.",
        "",
    ]
    for rpc, a in p["rpcs"].items():
        split = ", ".join(
            f"{name} {share * 100:.0f}%" for name, share in a["areas"].items() if share >= 0.005
        )
        lines += [
            f"### {rpc}: {a['calls']} calls, {fmt_seconds(a['profiled_s_per_rpc'])} per call (profiled)",
            "",
            f"Own time by area: {split}.",
            "",
        ]
        rows = [
            [
                f"`{e['entry']}`",
                f"{e['calls_per_rpc']:.1f}",
                _us(e["own_s_per_rpc"]),
                _us(e["cumulative_s_per_rpc"]),
            ]
            for e in a["top_own"][:10]
        ]
        lines += ["Top entries by own time (per RPC):", ""]
        lines += _table(["entry", "calls", "own", "cumulative"], rows)
        rows = [
            [f"`{e['entry']}`", f"{e['calls_per_rpc']:.1f}", _us(e["cumulative_s_per_rpc"])]
            for e in a["top_cumulative"][:10]
        ]
        lines += ["", "Top entries by cumulative time (per RPC):", ""]
        lines += _table(["entry", "calls", "cumulative"], rows)
        lines += [""]
    return lines


def _split_row(label: str, cpu: dict[str, Any]) -> list[str]:
    """One row of section 8: a step's (or a total's) CPU by owner; `-` where raw `requests` has no part."""
    owners = ("plugin", "sdk_grpc", "project")
    raw = fmt_seconds(cpu["raw"]) if cpu["raw"] else "-"
    return [label, *(fmt_seconds(cpu[k]) for k in owners), raw, fmt_seconds(cpu["driver"])]


def _split(sp: dict[str, Any]) -> list[str]:
    lines = [
        f"## 8. Where a job's CPU goes: the project, Pulumi's SDK and gRPC, the driver ({sp['jobs']} jobs)",
        "",
        "CPU time per RPC of the plugin (`/proc/<pid>/task/*/schedstat`) and of the driver, one RPC at a "
        "time from one thread, medians of "
        f"{sp['rounds']} rounds. The same plugin serves each step through the real `SyncJob` provider and "
        "through a provider that does nothing (`bench/null_provider.py`): what that one costs is Pulumi's "
        "SDK and gRPC; the rest is the project's provider code and HTTP client, shown next to what raw "
        "`requests` spends on the same HTTP calls (section 2's side B). The driver stands in for "
        "Pulumi's engine (Python here, Go in Pulumi). `python -m bench --only split` reruns this section.",
        "",
    ]
    totals = (("job", "**A/B job** (Check new + Create + Delete)"), ("preview", "**preview** (Check + Diff)"))
    rows = [_split_row(step, v) for step, v in sp["steps"].items()]
    rows += [_split_row(label, sp[key]) for key, label in totals]
    lines += _table(
        [
            "step",
            "plugin CPU",
            "of which Pulumi SDK + gRPC",
            "of which the project",
            "raw `requests`, same calls",
            "driver",
        ],
        rows,
    )
    job, preview, grpc = sp["job"], sp["preview"], sp["grpc_per_rpc"]
    lines += [
        "",
        f"Per A/B job, side A's plugin and driver spend {fmt_seconds(job['plugin'] + job['driver'])} of CPU "
        f"where side B's driver spends {fmt_seconds(job['raw'])}: the project's code "
        f"{fmt_seconds(job['project'])} against raw `requests`' {fmt_seconds(job['raw'])} for the same "
        f"calls ({fmt_seconds(job['project'] - job['raw'])} more), Pulumi's SDK and gRPC in the plugin "
        f"{fmt_seconds(job['sdk_grpc'])}, the driver {fmt_seconds(job['driver'])}. Section 2's target "
        f"allows {fmt_seconds(AB_MAX_PER_JOB_S)} per job between A and B; what the project does not own "
        f"(SDK, gRPC and driver) costs {fmt_seconds(job['sdk_grpc'] + job['driver'])} of CPU per job.",
        "",
        f"Per previewed job (Check + Diff): the plugin {fmt_seconds(preview['plugin'])}, of which Pulumi's "
        f"SDK and gRPC {fmt_seconds(preview['sdk_grpc'])} and the project {fmt_seconds(preview['project'])}; "
        f"the driver {fmt_seconds(preview['driver'])}. A bare gRPC call (`GetPluginInfo`) costs the plugin "
        f"{fmt_seconds(grpc['plugin'])} and the driver {fmt_seconds(grpc['driver'])}.",
        "",
    ]
    return lines


def render(result: dict[str, Any]) -> str:
    env = result["environment"]
    m = env["machine"]
    lines = [
        f"# Bench results ({result['profile']} profile)",
        "",
        f"Commit `{(env['git']['commit'] or '?')[:12]}`"
        + (
            f" (+{env['git']['dirty_tracked_files']} modified files)"
            if env["git"]["dirty_tracked_files"]
            else ""
        )
        + f", {env['timestamp']}; {m['usable_cores']} cores ({m['cpu']}), Python {env['python']['version']}, "
        + ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v)
        + f". Whole bench: {result['duration_s']:.0f} s.",
        "",
    ]
    sections = result["sections"]

    if "calls" in sections:
        calls = sections["calls"]
        lines += ["## 1. HTTP calls per operation (simulator request log)", ""]
        rows = [
            [
                r["resource"],
                r["operation"],
                r["rpcs"],
                str(r["calls"]),
                str(r["writes"]),
                _kinds(r["by_kind"]),
                r["target"],
                "yes" if r["met"] else "**NO**",
            ]
            for r in calls["rows"]
        ]
        lines += _table(
            ["resource", "operation", "RPCs", "calls", "writes", "requests", "target", "met"], rows
        )
        lines += [""]
        if calls["missed"]:
            lines += ["Above target: " + "; ".join(calls["missed"]) + ".", ""]

    if "ab" in sections:
        ab = sections["ab"]
        lines += [
            f"## 2. Provider path (tier 1, {ab['workers']} workers) vs raw `requests` (same calls minimum)",
            "",
            "Create then delete N sync jobs; A and B alternate on the same simulator. Medians of wall time.",
            "",
        ]
        rows = []
        for e in ab["sizes"]:
            rows.append(
                [
                    str(e["n"]),
                    str(e["repeats"]),
                    fmt_median(e["provider"]["total"]),
                    fmt_median(e["raw"]["total"]),
                    _ratio(e["ratio"]["total"]),
                    _ratio(e["ratio"]["create"]),
                    _ratio(e["ratio"]["delete"]),
                    f"{fmt_seconds(e['per_job']['provider'])} / {fmt_seconds(e['per_job']['raw'])}",
                    fmt_seconds(e["per_job"]["provider"] - e["per_job"]["raw"]),
                    "{:.1f} / {:.1f}".format(
                        e["calls_per_job"]["provider"]["per_job"], e["calls_per_job"]["raw"]["per_job"]
                    ),
                ]
            )
        lines += _table(
            [
                "N",
                "pairs",
                "provider (A)",
                "raw (B)",
                "A/B total",
                "A/B create",
                "A/B delete",
                "per job A / B",
                "A - B per job",
                "calls per job A / B",
            ],
            rows,
        )
        lines += [""]
        cpu_rows = []
        for e in ab["sizes"]:
            cpu = e.get("cpu_per_job")
            if not cpu:
                continue
            a, b = cpu["provider"], cpu["raw"]
            cpu_rows.append(
                [
                    str(e["n"]),
                    fmt_seconds(a["plugin"]),
                    f"{fmt_seconds(a['simulator'])} / {fmt_seconds(b['simulator'])}",
                    f"{fmt_seconds(a['driver'])} / {fmt_seconds(b['driver'])}",
                ]
            )
        if cpu_rows:
            lines += [
                "CPU time per job by process (medians; `/proc/<pid>/stat`, 10 ms ticks): the plugin on "
                "side A, the simulator and this process on both sides (on side A it drives the plugin "
                "over gRPC in Python, where Pulumi's engine is Go).",
                "",
            ]
            lines += _table(["N", "plugin (A)", "simulator A / B", "driver A / B"], cpu_rows)
            lines += [""]

    if sections.get("preview"):
        p = sections["preview"]
        lines += [f"## 3. Preview cost: Check + Diff for {p['jobs']} unchanged jobs through the plugin", ""]
        rows = []
        for key, label in (("workers_1", "1"), ("workers_4", "4")):
            if key in p:
                w = p[key]
                rows.append(
                    [
                        label,
                        fmt_median(w["total"]),
                        fmt_seconds(w["per_resource_s"]),
                        _kinds(w["calls_by_kind"]),
                        (
                            f"{fmt_seconds(w['cpu_per_resource_s']['plugin'])} / "
                            f"{fmt_seconds(w['cpu_per_resource_s']['driver'])}"
                            if w.get("cpu_per_resource_s")
                            else "-"
                        ),
                    ]
                )
        lines += _table(
            ["driver threads", "total (median)", "per resource", "HTTP calls", "CPU plugin / driver"],
            rows,
        )
        lines += [""]

    if "program" in sections:
        prog = sections["program"]
        verbs = ("preview", "up", "no-op up", "destroy")
        lines += [
            "## 4. Whole program through the mini engine (1 remote + N jobs; steps run one at a time)",
            "",
        ]
        rows = []
        for e in prog["sizes"]:
            rows.append([str(e["n"]), str(e["repeats"])] + [_verb_cell(e[v]) for v in verbs])
        lines += _table(["N", "runs", *verbs], rows)
        lines += [""]
        growth = prog["growth"]
        rows = []
        for v in verbs:
            g = growth[v]
            exp = "-" if g["exponent"] is None else f"{g['exponent']:.2f}"
            marg = "-" if g["exponent_marginal"] is None else f"{g['exponent_marginal']:.2f}"
            per = ", ".join(
                f"N={n}: {fmt_seconds(t)}" for n, t in g["marginal_per_resource_s"].items() if t is not None
            )
            rpc_exp = "-" if g.get("rpc_exponent") is None else f"{g['rpc_exponent']:.2f}"
            rpc_per = ", ".join(
                f"N={n}: {fmt_seconds(t)}" for n, t in (g.get("rpc_per_resource_s") or {}).items()
            )
            rows.append([v, exp, marg, per or "-", rpc_exp, rpc_per or "-"])
        lines += _table(
            [
                "verb",
                "growth exponent (wall)",
                "exponent of t(N) - t(1)",
                "marginal time per resource",
                "exponent of plugin RPC time",
                "plugin RPC time per resource",
            ],
            rows,
        )
        lines += [""]
        size = prog.get("config_size") or {}
        if size:
            lines += [
                "Stack config size (`PULUMI_CONFIG`, one environment string, Linux limit 128 KiB): "
                + "; ".join(_size_text(style, s) for style, s in size.items())
                + ".",
                "",
            ]
        sdk = prog.get("sdk_recursion_at")
        if sdk:
            lines += [
                f"Pulumi SDK: a plain `serialize_provider` raises RecursionError at dynamic resource {sdk} "
                f"of a program; the project undoes its leftovers ({prog['sdk_workaround']}).",
                "",
            ]

    if "logins" in sections:
        lg = sections["logins"]
        lines += [f"## 5. Logins with password auth ({lg['n']} jobs, target {lg['target']})", ""]
        rows = [
            [label, str(lg[key]["processes"]), str(lg[key]["logins"]), str(lg[key]["calls"])]
            for key, label in (
                ("program_up", "program `up`"),
                ("program_destroy", "program `destroy`"),
                ("tier1_parallel", "tier 1, 4 threads, create + delete"),
            )
        ]
        lines += _table(["run", "plugin processes", "logins", "HTTP calls"], rows)
        lines += ["", f"Target met: {'yes' if lg['met'] else '**NO**'}.", ""]

    if "ceiling" in sections:
        lines += [
            "## 6. The simulator's ceiling (raw keep-alive sessions, 4 threads)",
            "",
            "Requests per second; in brackets the simulator's CPU time per request (`/proc/<pid>/stat`).",
            "",
        ]
        rows = []
        for c in sections["ceiling"]:
            rows.append(
                [
                    str(c["jobs_in_sync_cfg"]),
                    _rate_cell(c["get_version"], ".0f"),
                    _rate_cell(c["get_sync_job"], ".0f"),
                    _rate_cell(c["get_admin_sync"], ".1f") if "get_admin_sync" in c else "-",
                    _rate_cell(c["config_write"], ".0f"),
                ]
            )
        lines += _table(
            [
                "jobs in sync.cfg",
                "GET /version",
                "GET /config/sync/{id}",
                "GET /admin/sync?store=",
                "PUT /config/sync/{id}",
            ],
            rows,
        )
        lines += [""]

    if sections.get("profile"):
        lines += _profile(sections["profile"])

    if sections.get("split"):
        lines += _split(sections["split"])

    if result.get("targets"):
        lines += ["## Performance targets, measured in this run", ""]
        rows = [
            [
                t["target"],
                t["measured"],
                {True: "yes", False: "**NO**", None: "not measured"}[t["met"]],
                t.get("cpu", "-"),
            ]
            for t in result["targets"]
        ]
        lines += _table(["target", "measured", "met", "the same in CPU time"], rows)
        lines += [""]

    wide = result.get("wide_spreads") or []
    if wide:
        lines += ["Wide spreads (max - min > 25% of the median): " + "; ".join(wide) + ".", ""]
    return "\n".join(lines)
