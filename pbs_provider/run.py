"""Run a sync job of a stack now and wait for it: `python -m pbs_provider run --stack dev push-cloud`.

The job is named by its config key (`syncJobs.<key>`, `replications.<key>`) or its PBS job id. The
run is PBS's own manual run, `POST /admin/sync/{id}/run` (`src/api2/admin/sync.rs`), made with the
credentials the stack uses for the job's server; its task log is shown as it is written, each line
with the seconds since the start, and the exit code is the task's outcome: 0 for `OK` and
`WARNINGS: n` (1 with `--strict`: PBS warns e.g. when a push skips groups its remote user does not
own), 1 when the task failed, could not be started, or was still running at `--timeout`.

This is deliberately not a resource input (`runAfterApply`): a run is an action, not desired state
(see docs/operations.md, "Run a job now").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from pbs_provider.client import NotFound, PbsClient, PbsError, api_path, client_for
from pbs_provider.servers import ServerConfigError
from pbs_provider.stack_config import StackConfig
from pbs_provider.stack_jobs import StackJob
from pbs_provider.tasks import TaskOutcome, TaskTimeout, follow_task

EXIT_OK, EXIT_FAILED = 0, 1


class RunError(Exception):
    """The run could not be started or followed; the message says why and what to do."""


@dataclass(frozen=True)
class RunSettings:
    wait: bool = True
    timeout: float | None = None
    poll_interval: float = 0.5
    strict: bool = False
    """Warnings fail the run too."""


def start_run(client: PbsClient, job_id: str) -> str:
    """Start sync job `job_id` now; its task's UPID. Raises the client's `PbsError`s."""
    upid = client.create(api_path("admin", "sync", job_id, "run"), {}).data
    if not isinstance(upid, str) or not upid.startswith("UPID:"):
        raise PbsError(f"PBS did not answer the run of sync job '{job_id}' with a task id (got {upid!r})")
    return upid


def describe(job: StackJob) -> str:
    """`push job `push-cloud` on server `onprem`: store1 -> cloud-push/offsite`."""
    local = job.get("store", "?") + (f"/{job.get('ns')}" if job.get("ns") else "")
    remote_store = job.get("remoteStore", "?") + (f"/{job.get('remoteNs')}" if job.get("remoteNs") else "")
    other = f"{job.remote.name}:{remote_store}" if job.remote else f"local {remote_store}"
    source, target = (local, other) if job.direction == "push" else (other, local)
    return f"{job.direction} job `{job.job_id}` on server `{job.server}`: {source} -> {target}"


class Progress:
    """Prints task log lines with the seconds since the run started."""

    def __init__(self, out: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.out, self.clock = out, clock
        self.started = clock()

    def line(self, text: str) -> None:
        print(f"{self.clock() - self.started:7.1f}s  {text}", file=self.out, flush=True)

    def outcome(self, job: StackJob, outcome: TaskOutcome) -> None:
        took = f" in {outcome.duration}s" if outcome.duration is not None else ""
        verdict = {"ok": "succeeded", "warnings": "finished with warnings", "error": "FAILED"}[outcome.state]
        print(f"sync job `{job.job_id}` {verdict}{took}: {outcome.exitstatus}", file=self.out, flush=True)


def _client(config: StackConfig, job: StackJob) -> PbsClient:
    try:
        return client_for(job.server, config.servers.server_config(job.server))
    except ServerConfigError as error:
        raise RunError(str(error)) from None


def run_job(
    config: StackConfig,
    job: StackJob,
    out: TextIO,
    settings: RunSettings = RunSettings(),
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Start `job`, follow its task (unless `settings.wait` is off) and return the exit code."""
    client = _client(config, job)
    print(f"running {describe(job)} ({job.entry})", file=out, flush=True)
    try:
        upid = start_run(client, job.job_id)
    except NotFound as missing:
        raise RunError(
            f"sync job `{job.job_id}` does not exist on server `{job.server}` ({missing.message}): "
            f"deploy the stack first (`pulumi up --stack <stack>`)"
        ) from None
    except PbsError as error:
        raise RunError(f"cannot start sync job `{job.job_id}`: {error}") from None
    print(f"task {upid}", file=out, flush=True)
    if not settings.wait:
        return EXIT_OK
    progress = Progress(out, clock)
    try:
        outcome = follow_task(
            client, upid, progress.line, poll_interval=settings.poll_interval, timeout=settings.timeout
        )
    except TaskTimeout as late:
        raise RunError(str(late)) from None
    except PbsError as error:
        raise RunError(f"cannot follow task {upid}: {error}") from None
    progress.outcome(job, outcome)
    failed = outcome.state == "error" or (settings.strict and outcome.state == "warnings")
    return EXIT_FAILED if failed else EXIT_OK
