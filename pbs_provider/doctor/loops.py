"""Sync loops between the stack's own jobs (a config check: no request).

Two jobs form a loop when each copies from where the other writes: e.g. a push of everything from
`onprem:store1` to `cloud:offsite` and a pull of container templates from `cloud:offsite` into
`onprem:store1`. The pulled groups are then pushed back, where the original group belongs to someone
else than the remote's auth-id: PBS skips it with a warning on every run (or, the other way round,
a pull fails its owner check). The fix is to keep the two jobs' groups apart with `groupFilter`
(e.g. `exclude:type:ct` on the push) or to keep their namespaces apart.

Places are compared by server, datastore and namespace anchor (an anchor covers the namespaces
below it); group filters are compared on the backup types and the groups they name.
"""

from __future__ import annotations

from pbs_provider.doctor.findings import WARNING, Finding
from pbs_provider.stack_jobs import Place, StackJob, job_ends
from pbs_types.group_filter import FilterKind, GroupFilter, apply_group_filters
from pbs_types.ids import BACKUP_TYPES


def places(job: StackJob) -> tuple[Place, Place] | None:
    """(source, target) of a job, when both ends are servers of the stack."""
    source, target = job_ends(job)
    return (source, target) if source is not None and target is not None else None


def _filters(job: StackJob) -> list[GroupFilter]:
    return [GroupFilter.parse(text) for text in job.get("groupFilter") or []]


def share_groups(first: StackJob, second: StackJob) -> bool:
    """Could a backup group pass both jobs' group filters? (Probes every backup type and every group a
    `group:` filter names; a regex is judged on those probes only.)"""
    filters = [_filters(first), _filters(second)]
    probes = {f"{kind}/loop-probe" for kind in BACKUP_TYPES}
    probes |= {f.value for fs in filters for f in fs if f.kind is FilterKind.GROUP}
    return any(all(apply_group_filters(group, fs) for fs in filters) for group in probes)


def check_loops(jobs: list[StackJob]) -> list[Finding]:
    """One warning per pair of jobs that copy each other's groups back and forth."""
    findings = []
    ends = [(job, places(job)) for job in jobs]
    for index, (first, first_ends) in enumerate(ends):
        for second, second_ends in ends[index + 1 :]:
            if first_ends is None or second_ends is None:
                continue
            (source1, target1), (source2, target2) = first_ends, second_ends
            if not (target1.overlaps(source2) and target2.overlaps(source1)) or not share_groups(
                first, second
            ):
                continue
            findings.append(
                Finding(
                    WARNING,
                    f"job {first.key}",
                    f"sync loop with job `{second.key}`: this job copies {source1} to {target1}, and "
                    f"`{second.key}` copies {source2} to {target2}: groups travel back and forth and collide "
                    "on ownership (PBS skips or refuses them on every run)",
                    "keep the two jobs' groups apart with `groupFilter` (e.g. `exclude:` what the other "
                    "job brings in) or their namespaces",
                    first.key_of("groupFilter"),
                    "loop",
                )
            )
    return findings
