"""`python -m bench` (what `make bench` runs): measures the provider path and prints the tables.

Sections: 1 HTTP calls per operation, 2 provider path vs raw `requests` baseline,
3 preview cost, 4 whole-program runs with growth exponents, 5 logins with password auth,
6 the simulator's ceiling, 7 a cProfile of the plugin per RPC, 8 the CPU of a job split into the
project's code, Pulumi's SDK and gRPC, and the driver, and the performance targets checked
against this run. One simulator process (`python -m pbs_sim`) serves all of them.
Results go to `bench/results/<time>-<commit>.json` (git-ignored) with the machine and the commit;
a full run also rewrites `bench/results/latest.md` (the tables docs/performance.md links) and
`latest.json`, both committed with the commit and date they were measured at.

Profiles: `full` (default; N = 10, 100, 1000), `quick` (N ≤ 100, for iterating), `smoke`
(smallest configuration, run by the test suite to prove the bench still works).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import ab, calls, ceiling, logins, machine, preview, profiling, program, split, targets
from .report import render
from .sim import ExternalSim

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("calls", "ab", "program", "logins", "ceiling", "profile", "split")

PROFILES: dict[str, dict[str, Any]] = {
    # Repeats are chosen for about five minutes on 2 cores: at N = 1000 the simulator's cost per
    # request grows with the size of sync.cfg, so those sizes run once.
    "full": {
        "ab": {10: 20, 100: 5, 1000: 1},
        "program": {1: 2, 10: 2, 100: 2, 1000: 1},
        "preview_repeats": 3,
        "logins_n": 100,
        "ceiling": (2000, 400),
        "ceiling_full": (400, 100),
        "profile_jobs": 200,
        "split_jobs": 500,
    },
    "quick": {
        "ab": {10: 5, 100: 3},
        "program": {1: 1, 10: 2, 100: 1},
        "preview_repeats": 3,
        "logins_n": 100,
        "ceiling": (1000, 200),
        "ceiling_full": (200, 50),
        "profile_jobs": 100,
        "split_jobs": 200,
    },
    "smoke": {
        "ab": {10: 1},
        "program": {1: 1, 10: 1},
        "preview_repeats": 1,
        "logins_n": 10,
        "ceiling": (40, 8),
        "ceiling_full": (20, 4),
        "profile_jobs": 5,
        "split_jobs": 5,
    },
}


def _wide_spreads(sections: dict[str, Any]) -> list[str]:
    wide = []
    for e in sections.get("ab", {}).get("sizes", []):
        for side in ("provider", "raw"):
            s = e[side]["total"]
            if s["wide"]:
                wide.append(f"A/B N={e['n']} {side} {s['spread'] * 100:.0f}%")
    for e in sections.get("program", {}).get("sizes", []):
        for verb in ("preview", "up", "no-op up", "destroy"):
            s = e[verb]["wall"]
            if s["wide"]:
                wide.append(f"program N={e['n']} {verb} {s['spread'] * 100:.0f}%")
    p = sections.get("preview") or {}
    for key in ("workers_1", "workers_4"):
        if key in p and p[key]["total"]["wide"]:
            wide.append(f"preview {key} {p[key]['total']['spread'] * 100:.0f}%")
    return wide


def run(profile: str, only: tuple[str, ...] = SECTIONS, log: Any = print) -> dict[str, Any]:
    """Run the selected sections of `profile`; returns the result (also the JSON's content)."""
    cfg = PROFILES[profile]
    started = time.perf_counter()
    result: dict[str, Any] = {"profile": profile, "environment": machine.describe(), "sections": {}}
    sections = result["sections"]
    timings: dict[str, float] = {}
    with ExternalSim("pbs") as sim:
        result["simulator"] = {"url": sim.url, "version": sim.version, "process": "python -m pbs_sim"}

        def timed(name: str, fn: Any) -> Any:
            log(f"bench: {name} …", file=sys.stderr)
            t0 = time.perf_counter()
            value = fn()
            timings[name] = time.perf_counter() - t0
            return value

        if "ceiling" in only:
            sections["ceiling"] = [timed("ceiling (1 job)", lambda: ceiling.run_small(sim, *cfg["ceiling"]))]
        if "calls" in only:
            sections["calls"] = timed("calls per operation", lambda: calls.run(sim))
        if "ab" in only:
            sections["ab"] = timed("provider vs raw", lambda: ab.run(sim, cfg["ab"]))
        if "program" in only:

            def at_full(sim_: ExternalSim, stack: Any, n: int) -> dict[str, Any]:
                sections["preview"] = timed(
                    "preview cost", lambda: preview.run(sim_, stack, cfg["preview_repeats"])
                )
                if "ceiling" in only:
                    sections.setdefault("ceiling", []).append(
                        timed(
                            f"ceiling ({n} jobs)",
                            lambda: ceiling.measure(sim_, "j0000", *cfg["ceiling_full"], f"{n} jobs"),
                        )
                    )
                return {}

            sections["program"] = timed("whole program", lambda: program.run(sim, cfg["program"], at_full))
        if "logins" in only:
            sections["logins"] = timed("logins", lambda: logins.run(sim, cfg["logins_n"]))
        if "profile" in only:
            sections["profile"] = timed("plugin profile", lambda: profiling.run(sim, cfg["profile_jobs"]))
        if "split" in only:
            sections["split"] = timed("CPU split per job", lambda: split.run(sim, cfg["split_jobs"]))
    result["targets"] = targets.check(sections)
    result["section_seconds"] = timings
    result["duration_s"] = time.perf_counter() - started
    result["wide_spreads"] = _wide_spreads(sections)
    return result


def write(result: dict[str, Any], out_dir: Path, *, markdown: bool) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = result["environment"]["timestamp"].replace(":", "").replace("-", "")
    commit = (result["environment"]["git"]["commit"] or "nogit")[:10]
    path = out_dir / f"{stamp}-{commit}-{result['profile']}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=True, default=str) + "\n")
    (out_dir / f"latest-{result['profile']}.json").write_text(path.read_text())
    if markdown:
        (out_dir / "latest.md").write_text(render(result) + "\n")
        (out_dir / "latest.json").write_text(path.read_text())
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="sections to run")
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="where the JSON goes (default bench/results)"
    )
    parser.add_argument(
        "--no-markdown",
        action="store_true",
        help="do not rewrite bench/results/latest.md and latest.json (full profile)",
    )
    args = parser.parse_args(argv)
    result = run(args.profile, tuple(args.only))
    complete = args.profile == "full" and set(args.only) == set(SECTIONS)
    path = write(result, args.out, markdown=complete and not args.no_markdown)
    print(render(result))
    print(f"\nJSON: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
