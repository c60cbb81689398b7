"""The reliability report: what the suite ran and what it found, as figures.

Tests add records to `REPORT` while they run; `tests/reliability/conftest.py` prints the summary
at the end of the pytest run and saves it as JSON (`.pytest_cache/reliability-report.json`).
`python -m tests.reliability.report` prints the last saved summary again (`--markdown`: the fault
matrix as a Markdown table).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPORT_PATH = Path(__file__).resolve().parents[2] / ".pytest_cache" / "reliability-report.json"


@dataclass
class Scenario:
    """One fault scenario: an operation on one resource under one fault (or a crash)."""

    section: str
    kind: str
    op: str
    fault: str
    exercised: bool
    """The fault really hit the operation (a fault that cannot apply is run but not exercised)."""
    outcome: str
    """`ok`, `failed clearly`, `failed unclearly` or `not attempted`."""
    lost_objects: int = 0
    orphans: int = 0
    duplicates: int = 0
    lost_updates: int = 0
    converged: bool = False
    clean_preview: bool = False
    detail: str = ""

    @property
    def survived(self) -> bool:
        return (
            self.outcome in ("ok", "failed clearly")
            and not (self.lost_objects or self.orphans or self.duplicates or self.lost_updates)
            and self.converged
            and self.clean_preview
        )


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
    notes: list[str] = field(default_factory=list)

    def add(self, scenario: Scenario) -> Scenario:
        self.scenarios.append(scenario)
        return scenario

    def figures(self) -> dict[str, Any]:
        runs = self.scenarios
        return {
            "scenarios run": len(runs),
            "faults exercised": sum(s.exercised for s in runs),
            "survived": sum(s.survived for s in runs),
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
        }

    def render(self) -> str:
        lines = ["reliability summary"]
        width = max(len(k) for k in self.figures())
        lines += [f"  {key:<{width}}  {value}" for key, value in self.figures().items()]
        failed = [s for s in self.scenarios if not s.survived]
        if failed:
            lines.append("  scenarios that did not survive:")
            lines += [
                f"    - {s.section}: {s.kind} {s.op} under {s.fault}: {s.outcome}; {s.detail}".rstrip("; ")
                for s in failed
            ]
        unexercised = [s for s in self.scenarios if not s.exercised]
        if unexercised:
            lines.append("  faults that cannot reach the operation (run, not exercised):")
            lines.append("    " + ", ".join(f"{s.kind} {s.op} under {s.fault}" for s in unexercised))
        if self.secret_hits:
            lines.append("  secrets found at:")
            lines += [f"    - {hit}" for hit in self.secret_hits]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def matrix_markdown(self) -> str:
        """The fault matrix as a Markdown table: ✓ survived, n/a fault cannot reach the operation
        (run, survived), ✗ did not survive."""
        cells = [s for s in self.scenarios if s.section == "fault matrix"]
        faults = list(dict.fromkeys(s.fault for s in cells))
        rows = list(dict.fromkeys((s.kind, s.op) for s in cells))
        mark = {
            (s.kind, s.op, s.fault): "✗" if not s.survived else ("✓" if s.exercised else "n/a") for s in cells
        }
        lines = ["| resource | operation | " + " | ".join(faults) + " |", "|---|---|" + "---|" * len(faults)]
        for kind, op in rows:
            lines.append(
                f"| {kind} | {op} | " + " | ".join(mark.get((kind, op, f), " ") for f in faults) + " |"
            )
        return "\n".join(lines)

    def save(self, path: Path = REPORT_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data["figures"] = self.figures()
        path.write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path = REPORT_PATH) -> Report:
        data = json.loads(path.read_text())
        data.pop("figures", None)
        data["scenarios"] = [Scenario(**s) for s in data["scenarios"]]
        return cls(**data)

    def empty(self) -> bool:
        return self == Report()


REPORT = Report()
"""The report of the running pytest session."""


def main() -> int:
    if not REPORT_PATH.exists():
        print(f"no reliability report at {REPORT_PATH}: run `make reliability` first", file=sys.stderr)
        return 1
    report = Report.load()
    print(report.matrix_markdown() if "--markdown" in sys.argv[1:] else report.render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
