"""Rule: cloud-bound sync jobs are rate limited (`rateOut` for push, `rateIn` for pull).

An unthrottled sync to or from a cloud PBS saturates the site's uplink (backups, VPN, users). PBS
applies `rate-out` to push and `rate-in` to pull, so the field that matters depends on direction.

Which jobs are cloud-bound: a job whose remote name matches `cloudRemotes`, or whose remote is in
this stack with a host that matches `cloudHosts` or is not on the LAN (private, loopback or
link-local IPs, single-label names and `lanHosts` count as LAN). A job whose remote is not in this
stack counts only through `cloudRemotes`. A stack validation, since the host is on the `Remote`.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from ..hosts import is_lan_host, matches_any
from ..resources import RemoteView, SyncJobView, config_key, is_set, known_str, remotes_by_key, sync_jobs
from ..settings import settings_in_force, string_list

NAME = "cloud-sync-job-rate-limited"
DESCRIPTION = "A sync job to or from a cloud PBS is rate limited (rateOut for push, rateIn for pull)."
DEFAULT_LAN_HOSTS = ["localhost", "*.local", "*.lan", "*.internal", "*.home.arpa", "*.localdomain"]
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "cloudRemotes": string_list(
            "Remote names (globs) whose jobs are cloud-bound, wherever the remote is."
        ),
        "cloudHosts": string_list(
            "Remote hosts (globs) that are cloud PBS servers, even on a private address."
        ),
        "lanHosts": string_list("Remote hosts (globs) on the local network.", DEFAULT_LAN_HOSTS),
    }
)


def _cloud_target(
    job: SyncJobView, remotes: dict[tuple[str | None, str], RemoteView], settings: dict[str, list[str]]
) -> str | None:
    """How the job reaches the cloud ("remote 'x' at host"), or None if it is not cloud-bound."""
    remote_name = known_str(job.remote)
    if remote_name is None:
        return None  # local sync, or a remote not known during preview
    remote = remotes.get((job.server, remote_name))
    where = f"remote '{remote_name}'" + (f" at {remote.host}" if remote and remote.host else "")
    if matches_any(remote_name, settings["cloudRemotes"]):
        return where
    if remote is None or remote.host is None:
        return None
    if matches_any(remote.host, settings["cloudHosts"]):
        return where
    return None if is_lan_host(remote.host, settings["lanHosts"]) else where


def validate(args: StackValidationArgs, report: ReportViolation) -> None:
    settings = settings_in_force(args, CONFIG_SCHEMA)
    remotes = remotes_by_key(args.resources)
    for job in sync_jobs(args.resources):
        if job.direction not in ("push", "pull"):
            continue
        target = _cloud_target(job, remotes, settings)
        if target is None:
            continue
        needed, limit, unused, unused_value = (
            ("rateOut", job.rate_out, "rateIn", job.rate_in)
            if job.is_push
            else ("rateIn", job.rate_in, "rateOut", job.rate_out)
        )
        if is_set(limit):
            continue
        hint = f" ({unused} is set but does not limit a {job.direction} job)" if is_set(unused_value) else ""
        report(
            f"{job.direction} job '{job.job_id}' on server '{job.server}' syncs with {target} without a "
            f"rate limit{hint}. Set {config_key(job.urn, needed)} (for example '50 MiB'), or list the "
            f"host in {NAME}.lanHosts if it is not a cloud PBS.",
            job.urn,
        )


def policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=CONFIG_SCHEMA,
    )
