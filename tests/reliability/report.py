"""The reliability report: what the suite ran and what it found, as figures.

Tests add records to `REPORT` while they run; `tests/reliability/conftest.py` prints the summary at
the end of the pytest run and saves it as JSON (`.pytest_cache/reliability-report.json`); with
`--reliability-report DIR` (what `make reliability` passes) it also writes `DIR/reliability.json`
and `DIR/reliability.md`, stamped with the commit and the date measured.
`python -m tests.reliability.report` prints the last saved summary again (`--markdown`: the
Markdown report).

Every scenario says what each of its checks found, and `None` for a check that did not run: a
scenario only counts as *absorbed* or *failed clearly* when every check behind that word ran and
passed (`Scenario.verdict`).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REPORT_PATH = ROOT / ".pytest_cache" / "reliability-report.json"
COMMITTED = ROOT / "docs" / "reports"
"""Where `make reliability` writes the committed report (`reliability.json`, `reliability.md`)."""

SECTIONS = ("fault matrix", "crash", "restart", "concurrent", "scale")
"""The sections of fault scenarios, in report order."""
ABSORBED, FAILED_CLEARLY, NOT_REACHED, DID_NOT_SURVIVE = (
    "absorbed",
    "failed clearly",
    "not reached",
    "did not survive",
)
VERDICTS = (ABSORBED, FAILED_CLEARLY, NOT_REACHED, DID_NOT_SURVIVE)
Stamp = dict[str, Any]
"""What a committed report says about its measurement: `commit`, `date`, `suite_seconds`."""


@dataclass
class Scenario:
    """One fault scenario: an operation on one resource (or the whole stack) under one fault."""

    section: str
    kind: str
    op: str
    fault: str
    exercised: bool
    """The fault really hit the operation (checked from the simulator's or the engine's side)."""
    outcome: str
    """`ok`, `failed clearly`, `failed unclearly` or `not attempted` (from the run's steps and the
    error message the user saw)."""
    message_class: str = ""
    """For a failure: which kind of message the user saw (see `messages.py`)."""
    message: str = ""
    """For a failure: the error line the user saw (first line, cut)."""
    retries: int | None = None
    """Requests sent for the operation beyond a fault-free run of the same operation (None: not
    measured)."""
    lost_objects: int = 0
    orphans: int = 0
    duplicates: int = 0
    lost_updates: int = 0
    converged: bool | None = None
    """The next `up` left PBS exactly as configured with the state agreeing (None: not checked)."""
    clean_preview: bool | None = None
    """A `preview` after that planned nothing (None: not checked)."""
    detail: str = ""

    @property
    def problems(self) -> int:
        return self.lost_objects + self.orphans + self.duplicates + self.lost_updates

    @property
    def survived(self) -> bool:
        reached_or_spared = self.outcome in ("ok", FAILED_CLEARLY) or (
            self.outcome == "not attempted" and not self.exercised
        )
        return (
            reached_or_spared and not self.problems and self.converged is True and self.clean_preview is True
        )

    @property
    def verdict(self) -> str:
        """`absorbed` (the operation succeeded despite the fault), `failed clearly`, `not reached`
        (the fault could not reach the operation; everything else checked) or `did not survive`."""
        if not self.survived:
            return DID_NOT_SURVIVE
        if not self.exercised:
            return NOT_REACHED
        return ABSORBED if self.outcome == "ok" else FAILED_CLEARLY


@dataclass
class FaultKind:
    """One row of the summary: every scenario of one section under one fault."""

    section: str
    fault: str
    scenarios: int
    exercised: int
    absorbed: int
    retries: str
    """Retries of the absorbed scenarios: `total (max per operation)`; `-` when none measured."""
    failed_clearly: int
    message_classes: str
    not_reached: int
    did_not_survive: int
    lost_or_duplicated: int


COLUMNS = (
    ("section", "where the scenario runs: `fault matrix` (every resource type x create/update/"
     "refresh/delete, one chain per fault), `crash`, `restart`, `concurrent`, `scale`"),
    ("fault", "what goes wrong"),
    ("scenarios", "operations run under the fault"),
    ("exercised", "of those, how many the fault provably reached (seen by the simulator or the engine)"),
    ("absorbed", "the operation succeeded despite the fault; state and PBS agree, the next `preview` "
     "is clean"),
    ("retries", "extra requests the absorbed operations sent, compared with a fault-free run of the same "
     "operation: total (most for one operation); `-` when not measured"),
    ("failed clearly", "the operation failed with a message naming the operation, the object, the server "
     "and what to do; nothing lost, and the next `up` converged with a clean `preview`"),
    ("message", "the kinds of message those failures showed (count)"),
    ("not reached", "the fault could not reach the operation (e.g. a create has no digest to race); "
     "still checked like the others"),
    ("did not survive", "anything else: an unclear message, a lost/orphaned/duplicated object, a lost "
     "update, no convergence or a preview that still plans changes"),
    ("lost/dup", "lost objects + orphans + duplicates + lost updates found"),
)  # fmt: skip


@dataclass
class Report:
    """Every figure of the summary."""

    scenarios: list[Scenario] = field(default_factory=list)
    bad_inputs: int = 0
    bad_inputs_rejected: int = 0
    bad_input_requests: int = 0
    bad_input_tracebacks: int = 0
    config_errors: int = 0
    config_errors_clear: int = 0
    config_errors_registered: int = 0
    hostile_values: int = 0
    hostile_reached_path: int = 0
    secret_places: int = 0
    secrets_found: int = 0
    secret_hits: list[str] = field(default_factory=list)
    transport_checks: int = 0
    transport_passed: int = 0
    parallel_writes: int = 0
    parallel_failures: int = 0
    parallel_lost_updates: int = 0
    declared: int = 0
    """Resources one program declared (under Pulumi's mocks) without an exception."""
    wall_times: dict[str, float] = field(default_factory=dict)
    """Seconds: `fault matrix` (first chain start to last chain end), `suite` (the pytest session)."""
    notes: list[str] = field(default_factory=list)

    def add(self, scenario: Scenario) -> Scenario:
        self.scenarios.append(scenario)
        return scenario

    def figures(self) -> dict[str, Any]:
        runs = self.scenarios
        verdicts = Counter(s.verdict for s in runs)
        return {
            "scenarios run": len(runs),
            "faults exercised": sum(s.exercised for s in runs),
            "absorbed": verdicts[ABSORBED],
            "failed clearly": verdicts[FAILED_CLEARLY],
            "not reached (checked all the same)": verdicts[NOT_REACHED],
            "did not survive": verdicts[DID_NOT_SURVIVE],
            "lost objects": sum(s.lost_objects for s in runs),
            "orphans": sum(s.orphans for s in runs),
            "duplicates": sum(s.duplicates for s in runs),
            "lost updates": sum(s.lost_updates for s in runs) + self.parallel_lost_updates,
            "secrets found": self.secrets_found,
            "secret places searched": self.secret_places,
            "bad inputs rejected": f"{self.bad_inputs_rejected}/{self.bad_inputs}",
            "requests caused by bad inputs": self.bad_input_requests,
            "tracebacks shown for bad inputs": self.bad_input_tracebacks,
            "invalid stack configs refused": f"{self.config_errors_clear}/{self.config_errors}",
            "resources registered by invalid configs": self.config_errors_registered,
            "hostile ids reaching a URL path": f"{self.hostile_reached_path}/{self.hostile_values}",
            "transport checks passed": f"{self.transport_passed}/{self.transport_checks}",
            "parallel writes failed": f"{self.parallel_failures}/{self.parallel_writes}",
            "resources declared by one program": self.declared,
            "fault matrix wall time (s)": self.wall_times.get("fault matrix"),
        }

    def kinds(self) -> list[tuple[str, str]]:
        """(section, fault) pairs: sections in `SECTIONS` order, faults in the order they ran."""
        pairs = list(dict.fromkeys((s.section, s.fault) for s in self.scenarios))
        rank = {name: n for n, name in enumerate(SECTIONS)}
        return sorted(pairs, key=lambda pair: rank.get(pair[0], len(rank)))

    def fault_kinds(self) -> list[FaultKind]:
        """The summary table: one row per (section, fault)."""
        rows = []
        for section, fault in self.kinds():
            cells = [s for s in self.scenarios if (s.section, s.fault) == (section, fault)]
            verdicts = Counter(s.verdict for s in cells)
            absorbed = [s for s in cells if s.verdict == ABSORBED]
            measured = [s.retries for s in absorbed if s.retries is not None]
            classes = Counter(s.message_class for s in cells if s.verdict == FAILED_CLEARLY)
            rows.append(
                FaultKind(
                    section=section,
                    fault=fault,
                    scenarios=len(cells),
                    exercised=sum(s.exercised for s in cells),
                    absorbed=verdicts[ABSORBED],
                    retries=f"{sum(measured)} ({max(measured)})" if measured else "-",
                    failed_clearly=verdicts[FAILED_CLEARLY],
                    message_classes=", ".join(f"{name} ({n})" for name, n in sorted(classes.items())),
                    not_reached=verdicts[NOT_REACHED],
                    did_not_survive=verdicts[DID_NOT_SURVIVE],
                    lost_or_duplicated=sum(s.problems for s in cells),
                )
            )
        return rows

    def render(self) -> str:
        lines = ["reliability summary"]
        figures = self.figures()
        width = max(len(k) for k in figures)
        lines += [f"  {key:<{width}}  {value}" for key, value in figures.items()]
        lines.append("  per fault kind (absorbed / failed clearly / not reached / did not survive):")
        for row in self.fault_kinds():
            lines.append(
                f"    {row.section}: {row.fault}: {row.absorbed} / {row.failed_clearly} / "
                f"{row.not_reached} / {row.did_not_survive}"
                + (f"; messages: {row.message_classes}" if row.message_classes else "")
            )
        failed = [s for s in self.scenarios if s.verdict == DID_NOT_SURVIVE]
        if failed:
            lines.append("  scenarios that did not survive:")
            for s in failed:
                what = f"{s.section}: {s.kind} {s.op} under {s.fault}: {s.outcome}"
                lines.append(f"    - {what}; {s.message}; {s.detail}".rstrip("; "))
        if self.secret_hits:
            lines.append("  secrets found at:")
            lines += [f"    - {hit}" for hit in self.secret_hits]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def markdown(self, stamp: Stamp | None = None) -> str:
        """The committed report: the per-fault-kind table with its legend, the other figures, and
        the fault matrix cell by cell."""
        out = ["# Reliability report", ""]
        if stamp:
            out += [
                f"Measured on commit `{stamp['commit']}` on {stamp['date']} by `make reliability` "
                f"(suite wall time {stamp.get('suite_seconds', '?')} s; fault matrix wall time "
                f"{self.wall_times.get('fault matrix', '?')} s). Generated file: do not edit.",
                "",
            ]
        names = [name for name, _ in COLUMNS]
        out += ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
        for row in self.fault_kinds():
            values = [
                row.section, row.fault, row.scenarios, row.exercised, row.absorbed, row.retries,
                row.failed_clearly, row.message_classes or "-", row.not_reached, row.did_not_survive,
                row.lost_or_duplicated,
            ]  # fmt: skip
            out.append("| " + " | ".join(str(v) for v in values) + " |")
        out += ["", "Columns:", ""]
        out += [f"- **{name}**: {meaning}" for name, meaning in COLUMNS]
        out += ["", "## What the failures said", ""]
        out += [
            "One message per fault kind and message class, as the user saw it (cut); the message classes "
            "are those of `tests/reliability/messages.py`.",
            "",
        ]
        for section, fault in self.kinds():
            shown: dict[str, str] = {}
            for s in self.scenarios:
                if (s.section, s.fault) == (section, fault) and s.verdict == FAILED_CLEARLY:
                    shown.setdefault(s.message_class, s.message)
            for message_class, message in shown.items():
                text = message.replace("|", "\\|").replace("`", "'")
                out.append(f"- {section}, {fault}, {message_class}: `{text}`")
        out += ["", "## Other figures", "", "| figure | value |", "|---|---|"]
        out += [f"| {key} | {value} |" for key, value in self.figures().items()]
        out += ["", "## Fault matrix, cell by cell", "", self.matrix_markdown(), ""]
        out += [
            "Cells: **A** absorbed, **F** failed clearly, **n/a** the fault cannot reach the operation "
            "(checked all the same), **✗** did not survive.",
            "",
        ]
        if self.notes:
            out += ["## Notes", ""] + [f"- {note}" for note in self.notes] + [""]
        return "\n".join(out)

    def matrix_markdown(self) -> str:
        """The fault matrix as a Markdown table (see `markdown` for the cell marks)."""
        cells = [s for s in self.scenarios if s.section == "fault matrix"]
        faults = list(dict.fromkeys(s.fault for s in cells))
        rows = list(dict.fromkeys((s.kind, s.op) for s in cells))
        marks = {ABSORBED: "A", FAILED_CLEARLY: "F", NOT_REACHED: "n/a", DID_NOT_SURVIVE: "✗"}
        mark = {(s.kind, s.op, s.fault): marks[s.verdict] for s in cells}
        lines = ["| resource | operation | " + " | ".join(faults) + " |", "|---|---|" + "---|" * len(faults)]
        for kind, op in rows:
            lines.append(
                f"| {kind} | {op} | " + " | ".join(mark.get((kind, op, f), " ") for f in faults) + " |"
            )
        return "\n".join(lines)

    def to_json(self, stamp: Stamp | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["figures"] = self.figures()
        data["fault_kinds"] = [asdict(row) for row in self.fault_kinds()]
        for scenario, raw in zip(self.scenarios, data["scenarios"], strict=True):
            raw["verdict"] = scenario.verdict
        if stamp:
            data["measured"] = dict(stamp)
        return data

    def save(self, path: Path = REPORT_PATH, stamp: Stamp | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(stamp), indent=2, ensure_ascii=False) + "\n")

    def write_committed(self, directory: Path, stamp: Stamp) -> None:
        """`reliability.json` and `reliability.md` in `directory` (what `make reliability` commits)."""
        directory.mkdir(parents=True, exist_ok=True)
        self.save(directory / "reliability.json", stamp)
        (directory / "reliability.md").write_text(self.markdown(stamp))

    @classmethod
    def load(cls, path: Path = REPORT_PATH) -> Report:
        return cls.from_json(json.loads(path.read_text()))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The report `to_json` made (figures and verdicts are recomputed, not read)."""
        data = dict(data)
        known = {f.name for f in fields(cls)}
        scenario_fields = {f.name for f in fields(Scenario)}
        data["scenarios"] = [
            Scenario(**{k: v for k, v in s.items() if k in scenario_fields}) for s in data["scenarios"]
        ]
        return cls(**{k: v for k, v in data.items() if k in known})

    @staticmethod
    def stamp_of(path: Path) -> dict[str, Any]:
        return dict(json.loads(path.read_text()).get("measured") or {})

    def empty(self) -> bool:
        return self == Report()

    def merge(self, other: Report) -> None:
        """Add `other`'s scenarios and counts to this report (an xdist worker's part of the session)."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, list):
                mine.extend(theirs)
            elif isinstance(mine, dict):
                mine.update(theirs)
            else:
                setattr(self, f.name, mine + theirs)


REPORT = Report()
"""The report of the running pytest session."""


def main() -> int:
    if not REPORT_PATH.exists():
        print(f"no reliability report at {REPORT_PATH}: run `make reliability` first", file=sys.stderr)
        return 1
    report = Report.load()
    print(report.markdown(Report.stamp_of(REPORT_PATH)) if "--markdown" in sys.argv[1:] else report.render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
