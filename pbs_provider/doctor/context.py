"""What every check of one job works with: the job, the servers' facts, and how to word a finding.

The doctor reads each server of the stack with the stack's own credentials (`servers`,
`serverSecrets`): `servers[name]` is None when that server cannot be used (its finding is already
reported). A job's checks append their findings to `findings` in the order they run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pbs_provider.client import PbsError
from pbs_provider.doctor.facts import PbsFacts
from pbs_provider.doctor.findings import ERROR, OK, WARNING, Finding
from pbs_provider.doctor.privileges import JobShape
from pbs_provider.stack_config import StackConfig
from pbs_provider.stack_jobs import StackJob


def job_shape(job: StackJob) -> JobShape:
    return JobShape(
        direction=job.direction,
        store=str(job.get("store")),
        remote_store=str(job.get("remoteStore")),
        remote=job.get("remote"),
        ns=job.get("ns"),
        remote_ns=job.get("remoteNs"),
        owner=job.get("owner"),
        remove_vanished=bool(job.get("removeVanished", False)),
    )


def error_text(error: PbsError) -> str:
    """PBS's message with the HTTP status, without the hint (the hint is the fix)."""
    status = f"HTTP {error.status}: " if error.status is not None else ""
    return f"{status}{error.message}"


@dataclass
class JobCheck:
    """One job under examination."""

    config: StackConfig
    job: StackJob
    servers: dict[str, PbsFacts | None]
    probe_timeout: float = 5.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def shape(self) -> JobShape:
        return job_shape(self.job)

    @property
    def subject(self) -> str:
        return f"job {self.job.key}"

    @property
    def local(self) -> PbsFacts | None:
        return self.servers.get(self.job.server)

    @property
    def other(self) -> PbsFacts | None:
        """The stack's own view of the server at the remote's other end, if the stack has it."""
        remote = self.job.remote
        return self.servers.get(remote.other_server) if remote and remote.other_server else None

    def add(self, level: str, check: str, what: str, fix: str = "", key: str = "") -> None:
        self.findings.append(Finding(level, self.subject, what, fix, key, check))

    def error(self, check: str, what: str, fix: str = "", key: str = "") -> None:
        self.add(ERROR, check, what, fix, key)

    def warning(self, check: str, what: str, fix: str = "", key: str = "") -> None:
        self.add(WARNING, check, what, fix, key)

    def ok(self, check: str, what: str) -> None:
        self.add(OK, check, what)

    def cannot_check(self, check: str, what: str, error: PbsError, key: str = "") -> None:
        """A read the check needs failed: an error, with the client's hint as the fix."""
        self.error(check, f"cannot check {what}: {error_text(error)}", error.hint or "", key)
