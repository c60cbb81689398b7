"""Rule: the target of every sync job is covered by a `PruneJob` or a `VerifyJob` of the same stack.

A replicated datastore that nothing prunes fills up; one that nothing verifies can hold damaged
chunks nobody notices until a restore. The target is where the job writes: for a pull (or a local
sync) the job's own `store`/`ns` on its server; for a push the remote's `remoteStore`/`remoteNs` on
the server of this stack that the remote points at (host and port of a `servers` entry). Covering
is the doctor's: `pbs_types.job_scope` (same datastore; the job's `ns` is the target or above it,
with `maxDepth` reaching it; a disabled prune job, one without keep options and a verify job without
schedule do not count).

Out of reach for a policy, which sees only this stack's resources: prune and verify jobs made by
hand or by another stack, and a push to a server this stack does not manage (not judged). The doctor
(`python -m pbs_provider doctor`) also counts the jobs already on the server. A value not known
during preview counts in the job's favour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy
from pulumi_policy.policy import StackValidation

from ..hosts import endpoint_of_remote
from ..project import job_scope
from ..resources import (
    PRUNE_JOB_TYPE,
    REPLICATION_TYPE,
    UNKNOWN,
    VERIFY_JOB_TYPE,
    ResourceLike,
    SyncJobView,
    config_entry,
    known_str,
    read_prop,
    remotes_by_key,
    sync_jobs,
)
from ..stack_facts import StackFacts, StackFactsReader

NAME = "sync-target-pruned-or-verified"
DESCRIPTION = "The target of a sync job is covered by a prune job or a verify job of the same stack."
KINDS = {PRUNE_JOB_TYPE: job_scope.PRUNE, VERIFY_JOB_TYPE: job_scope.VERIFY}
SCOPE_KEYS = ("server", "store", "ns", "maxDepth")
RUN_KEYS = ("disable", "schedule", *job_scope.KEEP_KEYS)


class Jobs:
    """The stack's prune and verify jobs, per server; servers where one's scope is unknown are judged
    covered."""

    def __init__(self, resources: list[ResourceLike]) -> None:
        self.by_server: dict[str, list[job_scope.DatastoreJob]] = {}
        self.unknown: set[str | None] = set()
        for res in resources:
            kind = KINDS.get(res.resource_type)
            if kind is None:
                continue
            scope = {key: read_prop(res.props, key) for key in SCOPE_KEYS}
            server = known_str(scope["server"])
            if UNKNOWN in scope.values() or server is None:
                self.unknown.add(server)
                continue
            self.by_server.setdefault(server, []).append(job_scope.datastore_job(kind, self._settings(res)))

    @staticmethod
    def _settings(res: ResourceLike) -> Mapping[str, Any]:
        """The job's settings; an unknown one is taken as letting the job run."""
        settings = {key: read_prop(res.props, key) for key in (*SCOPE_KEYS, *RUN_KEYS)}
        running = {"disable": False, "schedule": "unknown"} | dict.fromkeys(job_scope.KEEP_KEYS, 1)
        return {key: running[key] if value is UNKNOWN else value for key, value in settings.items()}

    def cover(self, server: str, store: str, ns: str) -> bool:
        if server in self.unknown or None in self.unknown:
            return True
        near = job_scope.covering(self.by_server.get(server, []), store, ns)
        return any(job.runs for job in near)


def _target(
    job: SyncJobView, resources: list[ResourceLike], facts: StackFacts
) -> tuple[str, str, str] | None:
    """(server, store, ns) the job writes to; None when it is unknown or not a server of this stack."""
    if job.is_push:
        remote = remotes_by_key(resources).get((job.server, known_str(job.remote) or ""))
        if remote is None or remote.host is None or remote.port is UNKNOWN:
            return None
        server = facts.server_at(endpoint_of_remote(remote.host, remote.port))
        store, ns = job.remote_store, job.remote_ns
        name = server.name if server else None
    else:
        store, ns, name = job.store, job.ns, job.server
    if name is None or UNKNOWN in (store, ns) or known_str(store) is None:
        return None
    return name, str(store), known_str(ns) or ""


def _fix(job: SyncJobView, target: tuple[str, str, str]) -> str:
    entry = config_entry(job.urn)
    if f"{REPLICATION_TYPE}$" in job.urn:
        return f"add `retention` and `verify` to {entry}"
    server, store, ns = target
    where = f"server '{server}', store '{store}'" + (f", ns '{ns}'" if ns else "")
    above = "(or a namespace above it, with maxDepth reaching it)"
    return f"add a pruneJobs or verifyJobs entry for {where} {above}"


def validator(read_facts: StackFactsReader) -> StackValidation:
    """The stack validation, placing push targets on the servers in `read_facts()`."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = list(args.resources)
        jobs = Jobs(resources)
        facts = read_facts()
        for job in sync_jobs(resources):
            target = _target(job, resources, facts)
            if target is None or jobs.cover(*target):
                continue
            server, store, ns = target
            where = f"'{store}'" + (f" namespace '{ns}'" if ns else "") + f" on server '{server}'"
            report(
                f"sync job '{job.job_id}' on server '{job.server}' writes to {where}, which no prune job and "
                f"no verify job of this stack covers: old snapshots are never removed and none is verified. "
                f"Fix: {_fix(job, target)}.",
                job.urn,
            )

    return validate


def policy(read_facts: StackFactsReader) -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validator(read_facts),
        enforcement_level=EnforcementLevel.ADVISORY,
        remediation_steps="Give each replication `retention` and `verify`, or add `pruneJobs` / `verifyJobs` "
        "entries on the target server covering the job's target namespace.",
    )
