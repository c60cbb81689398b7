"""Rule: every push job has a remote (and a remote auth-id) that no other push job uses.

PBS's advice for push sync: one dedicated remote, and a dedicated user on the target, per push
job. Groups a push job creates on the target are owned by the remote's auth-id, and the job only
considers groups of that owner its own; two push jobs through one remote or one auth-id see each
other's groups (and with `removeVanished` delete them). A stack validation, since it compares jobs.
"""

from __future__ import annotations

from collections import defaultdict

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from ..hosts import Endpoint, endpoint_of_remote
from ..resources import RemoteView, SyncJobView, known_str, remotes_by_key, sync_jobs

NAME = "push-job-dedicated-remote"
DESCRIPTION = "A push sync job uses a remote, and a remote auth-id, that no other push job uses."


def _remote_name(job: SyncJobView) -> str | None:
    return known_str(job.remote)


def _check_shared_remotes(push_jobs: list[SyncJobView], report: ReportViolation) -> None:
    by_remote: dict[tuple[str | None, str], list[SyncJobView]] = defaultdict(list)
    for job in push_jobs:
        remote = _remote_name(job)
        if remote is not None:
            by_remote[(job.server, remote)].append(job)
    for (server, remote), jobs in sorted(by_remote.items(), key=lambda item: str(item[0])):
        if len(jobs) < 2:
            continue
        names = ", ".join(sorted(j.job_id for j in jobs))
        for job in jobs:
            report(
                f"push jobs {names} on server '{server}' share the remote '{remote}'. Give sync job "
                f"'{job.job_id}' its own remote (and its own user or token on the target): PBS advises "
                "one dedicated remote per push job.",
                job.urn,
            )


def _check_shared_auth_ids(
    push_jobs: list[SyncJobView],
    remotes: dict[tuple[str | None, str], RemoteView],
    report: ReportViolation,
) -> None:
    by_identity: dict[tuple[Endpoint, str], list[tuple[SyncJobView, RemoteView]]] = defaultdict(list)
    for job in push_jobs:
        remote_name = _remote_name(job)
        remote = remotes.get((job.server, remote_name)) if remote_name else None
        auth_id = known_str(remote.auth_id) if remote else None
        if remote is None or remote.host is None or auth_id is None:
            continue
        by_identity[(endpoint_of_remote(remote.host, remote.port), auth_id)].append((job, remote))
    for (endpoint, auth_id), pairs in sorted(by_identity.items(), key=lambda item: str(item[0])):
        if len({remote.key for _, remote in pairs}) < 2:
            continue  # one remote used twice: reported as a shared remote
        names = ", ".join(sorted(f"{job.label} (remote {remote.name})" for job, remote in pairs))
        for job, _ in pairs:
            report(
                f"push jobs {names} all push to {endpoint} as '{auth_id}'. Groups on the target are "
                f"owned by that auth-id, so these jobs treat each other's groups as their own: give "
                f"sync job '{job.job_id}' a dedicated user or token on the target.",
                job.urn,
            )


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    push_jobs = [job for job in sync_jobs(args.resources) if job.is_push]
    _check_shared_remotes(push_jobs, report)
    _check_shared_auth_ids(push_jobs, remotes_by_key(args.resources), report)


def policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        remediation_steps="Create one remote per push job, each with its own user or API token on the target "
        "(the `replications` shorthand does this for you).",
    )
