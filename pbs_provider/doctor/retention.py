"""Retention and verification at each job's target: is it pruned or verified, and does the prune keep
what the job brings in?

The target is where the job writes: the remote's datastore and namespace for a push (`remoteStore`,
`remoteNs` on the server at the remote's other end), the job's own `store`/`ns` for a pull or a local
sync. The prune and verify jobs that count are those the stack declares for that server
(`pruneJobs`, `verifyJobs`, a replication's `retention` and `verify`) and those already on it
(`GET /config/prune`, `/config/verify`; a declared job replaces the live one of the same id). A job
covers the target when its scope reaches it, and it counts when it runs by itself: not disabled, with
a keep option (prune), with a schedule (verify) — `pbs_types.job_scope`, which the policy pack shares.

Findings, each on the job's own entry:

* `retention` (warning): neither a prune job nor a verify job covers the target;
* `prune` (warning): a prune job covering the target keeps fewer snapshots per group than the job's
  `transferLast` brings in per run, so it deletes what the job has just copied. `keep-last` ≥
  `transferLast` is always enough. Otherwise, when the source's snapshots can be read, PBS's selection
  (`pbs_types.prune.compute_prune_info`, periods in UTC) runs on the newest `transferLast` snapshots of
  each source group the job takes (through `groupFilter`) — the older snapshots at the target do not
  change what it keeps of those. When they cannot be read, only a prune keeping fewer snapshots in all
  (the sum of its keep options) than `transferLast` is reported;
* `deployer` (error): the stack's login lacks Datastore.Modify (prune) or Datastore.Verify (verify) on
  the namespace of a prune or verify job the stack declares there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pbs_provider.client import PbsError
from pbs_provider.doctor.access import check_need
from pbs_provider.doctor.content import SHOWN, Side, groups_under, job_sides
from pbs_provider.doctor.context import JobCheck
from pbs_provider.doctor.facts import Group
from pbs_provider.doctor.privileges import datastore_job_need
from pbs_provider.doctor.remote import RemoteSide
from pbs_provider.servers import SERVERS_KEY
from pbs_provider.stack_config import PRUNE_JOBS_KEY, REPLICATIONS_KEY, VERIFY_JOBS_KEY, StackConfig
from pbs_provider.stack_jobs import Place, job_ends
from pbs_types.group_filter import apply_group_filters
from pbs_types.job_scope import PRUNE, VERIFY, DatastoreJob, datastore_job, describe_keep, most_kept
from pbs_types.prune import KeepOptions, compute_prune_info

CHECK = "retention"
SECTIONS = {PRUNE: PRUNE_JOBS_KEY, VERIFY: VERIFY_JOBS_KEY}


@dataclass(frozen=True)
class KnownJob:
    """A prune or verify job on a server of the stack, and the config entry that declares it."""

    server: str
    job: DatastoreJob
    key: str | None
    """`pruneJobs.nightly`, `replications.offsite.retention`; None: only on the live server."""

    def __str__(self) -> str:
        return f"{self.job.noun} ({f'`{self.key}`' if self.key else 'on the server, not in the stack'})"


def _replication_jobs(config: StackConfig) -> Iterator[KnownJob]:
    """The prune job (`retention`) and verify job (`verify`) each replication creates on its target."""
    for decl in config.replications.values():
        plan = decl.plan
        for kind, part, inputs in (
            (PRUNE, "retention", plan.prune_job_inputs),
            (VERIFY, "verify", plan.verify_job_inputs),
        ):
            if inputs:
                key = f"{REPLICATIONS_KEY}.{decl.key}.{part}"
                yield KnownJob(str(inputs.get("server")), datastore_job(kind, inputs), key)


def declared_jobs(config: StackConfig) -> list[KnownJob]:
    """Every prune and verify job the stack declares, each with its config entry."""
    found = [
        KnownJob(decl.server, datastore_job(kind, decl.inputs), f"{SECTIONS[kind]}.{decl.key}")
        for kind, decls in ((PRUNE, config.prune_jobs), (VERIFY, config.verify_jobs))
        for decl in decls.values()
    ]
    return found + list(_replication_jobs(config))


def _jobs_on(c: JobCheck, server: str) -> tuple[list[KnownJob], bool]:
    """The prune and verify jobs on `server` after the stack is deployed, and whether the live ones
    could be read."""
    declared = [known for known in declared_jobs(c.config) if known.server == server]
    facts = c.servers.get(server)
    if facts is None:
        return declared, False
    try:
        live = [
            datastore_job(kind, settings)
            for kind in (PRUNE, VERIFY)
            for settings in facts.datastore_jobs(kind)
        ]
    except PbsError as error:
        c.cannot_check(CHECK, f"the prune and verify jobs on server `{server}`", error)
        return declared, False
    ids = {(known.job.kind, known.job.job_id) for known in declared}
    return declared + [KnownJob(server, job, None) for job in live if (job.kind, job.job_id) not in ids], True


def check_retention(c: JobCheck, remote: RemoteSide | None) -> None:
    """The retention, prune and deployer checks of the job's target (see the module docstring)."""
    target = job_ends(c.job)[1]
    if target is None:
        c.ok(CHECK, "retention not checked: the job's target is on a server this stack does not manage")
        return
    jobs, live_read = _jobs_on(c, target.server)
    near = [known for known in jobs if known.job.scope.reaches(target.store, target.ns)]
    running = [known for known in near if known.job.runs]
    _check_covered(c, target, near, running, live_read)
    _check_keeps_transferred(c, [k for k in running if k.job.kind == PRUNE], remote)
    _check_deployer(c, [k for k in near if k.key is not None])


def _check_covered(
    c: JobCheck, target: Place, near: list[KnownJob], running: list[KnownJob], live_read: bool
) -> None:
    if running:
        c.ok(CHECK, f"the target {target} is looked after by {', '.join(map(str, running))}")
        return
    if not live_read:
        c.ok(
            CHECK,
            f"retention not checked: no job the stack declares covers the target {target}, and the jobs "
            f"on server `{target.server}` cannot be read",
        )
        return
    idle = "; ".join(f"{known} {known.job.idle}" for known in near)
    if c.job.section == REPLICATIONS_KEY:
        fix = "add `retention` (keep options for a prune job) and `verify` to the replication"
    else:
        where = f"server `{target.server}`, store `{target.store}`" + (
            f", ns `{target.ns}`" if target.ns else ""
        )
        fix = (
            f"add a `{PRUNE_JOBS_KEY}` and a `{VERIFY_JOBS_KEY}` entry for {where} (or for a namespace above "
            "it, with `maxDepth` reaching it)"
        )
    c.warning(
        CHECK,
        f"no prune job and no verify job covers the target {target}: old snapshots are never removed and "
        "none is ever verified" + (f" ({idle})" if idle else ""),
        fix,
        c.job.entry,
    )


def _source_groups(c: JobCheck, remote: RemoteSide | None) -> tuple[Side, list[Group]] | None:
    """The source and the groups the job takes from it; None when they cannot be read."""
    sides = job_sides(c, remote) if c.local is not None else None
    if sides is None:
        return None
    source = sides[0]
    try:
        groups = groups_under(source, c.job.get("maxDepth"))
    except PbsError:
        return None
    filters = c.job.get("groupFilter") or []
    return source, [g for g in groups if apply_group_filters(g.name, filters)]


def _removed_per_group(source: Side, groups: list[Group], keep: KeepOptions, last: int) -> dict[str, int]:
    """Per group, how many of its newest `last` snapshots the prune would remove (0: left out)."""
    removed: dict[str, int] = {}
    for group in groups:
        newest = sorted(source.facts.snapshots(source.store, group), key=lambda s: -s.backup_time)[:last]
        count = sum(1 for _, mark in compute_prune_info(newest, keep) if not mark.keep)
        if count:
            removed[f"{group.ns + '/' if group.ns else ''}{group.name}"] = count
    return removed


def _keep_key(c: JobCheck, known: KnownJob) -> str:
    """Where to raise the prune's keep options: its own entry, else the job's `transferLast`."""
    if known.key is None:
        return c.job.key_of("transferLast")
    return f"{known.key}.keepLast"  # `pruneJobs.<key>` or `replications.<key>.retention`


def _removed(c: JobCheck, remote: RemoteSide | None, keep: KeepOptions, last: int) -> dict[str, int] | None:
    """Per source group, how many of the newest `last` snapshots the prune removes; None: unknown."""
    history = _source_groups(c, remote)
    if history is None or not history[1]:
        return None
    try:
        return _removed_per_group(*history, keep, last)
    except PbsError:
        return None


def _check_keeps_transferred(c: JobCheck, prunes: list[KnownJob], remote: RemoteSide | None) -> None:
    last = c.job.get("transferLast")
    if not isinstance(last, int) or last <= 0:
        return
    for known in prunes:
        keep = known.job.keep
        options = describe_keep(keep)
        if (keep.keep_last or 0) >= last:
            c.ok(
                "prune",
                f"{known} keeps the last {keep.keep_last}, the job transfers {last} per group and run",
            )
            continue
        removed = _removed(c, remote, keep, last)
        fix = f"keep at least `keepLast: {last}` in the prune job, or lower the job's `transferLast`"
        deletes = "the job copies what the prune then deletes"
        if removed:
            named = ", ".join(f"{group} ({count})" for group, count in list(removed.items())[:SHOWN])
            more = " …" if len(removed) > SHOWN else ""
            what = (
                f"{known} ({options}) would remove some of the newest {last} snapshots per group that "
                f"the job transfers per run (`transferLast`): {named}{more}; {deletes}"
            )
        elif removed is None and most_kept(keep) < last:
            what = (
                f"{known} ({options}) keeps at most {most_kept(keep)} snapshots per group, fewer than the "
                f"{last} the job transfers per run (`transferLast`): {deletes}"
            )
        elif removed is None:
            c.ok(
                "prune",
                f"{known} ({options}) not compared with `transferLast` {last}: what it keeps depends on the "
                "backup times, and the source's snapshots cannot be read",
            )
            continue
        else:
            c.ok(
                "prune", f"{known} ({options}) keeps the newest {last} snapshots of each group the job takes"
            )
            continue
        c.warning("prune", what, fix, _keep_key(c, known))


def _check_deployer(c: JobCheck, declared: list[KnownJob]) -> None:
    for known in declared:
        facts = c.servers.get(known.server)
        if facts is None:
            continue
        scope = known.job.scope
        need = datastore_job_need(known.job.kind, scope.store, scope.ns or None, known.job.job_id)
        check_need(
            c,
            facts,
            facts.auth_id,
            need,
            who=f"the stack's login `{facts.auth_id}`",
            check="deployer",
            key=f"{SERVERS_KEY}.{known.server}.authId",
        )
