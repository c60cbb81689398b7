"""The doctor's findings: one line each — what is wrong, the fix, and the config key to change.

Levels: `error` (the job would fail, or could not be deployed or run), `warning` (it would run but
not do what the stack seems to want, e.g. transfer nothing), `ok` (a check that passed; shown with
`--verbose`). The exit code is 1 when there is an error (or, with `--strict`, a warning).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ERROR, WARNING, OK = "error", "warning", "ok"
_ORDER = {ERROR: 0, WARNING: 1, OK: 2}


@dataclass(frozen=True)
class Finding:
    level: str
    subject: str
    """What it is about: `job push-cloud`, `server onprem`, `config`."""
    what: str
    fix: str = ""
    key: str = ""
    """The stack config key to change (`remotePasswords.cloud-push`), when one applies."""
    check: str = ""
    """Which check found it (`credentials`, `privileges`, `fingerprint`, …), for tests and filters."""

    def line(self) -> str:
        parts = [f"{self.level.upper():7} {self.subject}: {self.what}"]
        if self.fix:
            parts.append(f"fix: {self.fix}")
        if self.key:
            parts.append(f"config: {self.key}")
        return " | ".join(parts)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def of(self, level: str) -> list[Finding]:
        return [f for f in self.findings if f.level == level]

    @property
    def errors(self) -> list[Finding]:
        return self.of(ERROR)

    @property
    def warnings(self) -> list[Finding]:
        return self.of(WARNING)

    def exit_code(self, strict: bool = False) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0

    def lines(self, verbose: bool = False) -> list[str]:
        shown = [f for f in self.findings if verbose or f.level != OK]
        shown.sort(key=lambda f: _ORDER[f.level])  # stable: checks keep their order within a level
        return [f.line() for f in shown]

    def summary(self) -> str:
        checked = len(self.findings)
        return (
            f"doctor: {len(self.errors)} error(s), {len(self.warnings)} warning(s), "
            f"{checked - len(self.errors) - len(self.warnings)} check(s) passed"
        )
