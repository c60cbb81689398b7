"""The preflight doctor: `python -m pbs_provider doctor --stack <stack>`.

For every sync job of the stack it verifies, against the live servers, what PBS will demand when the
job is deployed and when it runs, and reports each problem as one line — what is wrong, the fix, the
config key to change (`findings`). The checks, in order:

* `servers` — every server of the stack is configured, reachable and accepts the stack's login;
* `local` — on the job's server: datastore(s) and namespace exist, job and remote are deployed,
  the deployer's modify access and the owner's run-time privileges (`privileges`, `access`);
* `remote` — the remote's host:port answers, its certificate matches the pin, its credentials work
  and carry the privileges the direction needs there, the datastore and namespace exist there;
* `content` — the source holds something to sync (a namespace mismatch transfers nothing) and no
  group at the target belongs to someone else;
* `retention` — a prune or verify job covers the job's target (declared in the stack or already
  on the server), a prune there keeps at least what `transferLast` brings in per run, and the
  stack's login may create the declared ones;
* `loops` — no two jobs of the stack copy each other's groups back and forth (config only).

The doctor only reads. It is not wired into the providers' `check`: `check` runs at every
`pulumi preview` and stays free of requests beyond the cached version lookup (see docs/operations.md,
"The preflight doctor").
"""

from __future__ import annotations

from collections.abc import Callable

from pbs_provider.doctor.content import check_content
from pbs_provider.doctor.context import JobCheck
from pbs_provider.doctor.findings import ERROR, OK, WARNING, Finding, Report
from pbs_provider.doctor.local import check_local
from pbs_provider.doctor.loops import check_loops
from pbs_provider.doctor.remote import check_remote
from pbs_provider.doctor.retention import check_retention
from pbs_provider.doctor.servers import check_servers
from pbs_provider.stack_config import StackConfig, StackConfigError, problem_parts
from pbs_provider.stack_jobs import stack_jobs


def run_doctor(
    config: StackConfig, *, probe_timeout: float = 5.0, progress: Callable[[str], None] | None = None
) -> Report:
    """Check every server and every sync job of `config`; the findings, in check order.
    `progress` hears of each step that waits on the network before it starts."""
    say = progress or (lambda _message: None)
    report = Report()
    say(f"checking servers {', '.join(config.servers.names())}")
    findings, servers = check_servers(config.servers)
    report.extend(findings)
    jobs = stack_jobs(config)
    for job in jobs:
        reach = (
            f" (probing {job.remote.host}:{job.remote.port}, up to {probe_timeout:g}s)" if job.remote else ""
        )
        say(f"checking {job.entry}{reach}")
        check = JobCheck(config, job, servers, probe_timeout)
        remote = None
        if check_local(check):
            remote = check_remote(check)
            check_content(check, remote)
        check_retention(check, remote)
        report.extend(check.findings)
    report.extend(check_loops(jobs))
    return report


def config_report(error: StackConfigError) -> Report:
    """A stack config that does not load: each of its problems as a finding."""
    report = Report()
    for problem in error.problems:
        key, what, fix = problem_parts(problem)
        report.add(Finding(ERROR, "config", what, fix, key, "config"))
    return report


__all__ = ["ERROR", "OK", "WARNING", "Finding", "Report", "config_report", "run_doctor"]
