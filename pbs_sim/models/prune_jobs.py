"""Prune jobs: `prune.cfg`, PBS's update rules, and runs that remove what the keep options do not keep.

Follows proxmox-backup `src/api2/config/prune.rs` (listed with Datastore.Audit or Datastore.Modify,
read with Datastore.Audit, changed with Datastore.Modify; a root `ns` in an update clears it,
`max-depth` above 7 is ignored, a schedule change resets the next run), pbs-api-types `src/jobs.rs`
(`PruneJobConfig`: a false `disable` is not written) and `src/server/prune_job.rs` (`prune_datastore`:
the groups the run's user may prune (`ListAccessibleBackupGroups` with Datastore.Modify, or
Datastore.Prune on owned groups), per group `compute_prune_info` from `pbs_types.prune` in the
server's local time, oldest first, protected snapshots kept; with no keep option the warning
"No prune selection - keeping all files." and nothing removed).
"""

from __future__ import annotations

from typing import Any

from pbs_sim import api_types, grammar
from pbs_sim.api_types import KEEP_FIELDS
from pbs_sim.models.datastore_jobs import DatastoreJobStore, Job
from pbs_sim.models.tasks import WorkerTask
from pbs_types.prune import KeepOptions, PruneMark, Snapshot, compute_prune_info

_MARK_TEXT = {
    PruneMark.PROTECTED: "keep protected",
    PruneMark.KEEP: "keep",
    PruneMark.KEEP_PARTIAL: "keep partial",
    PruneMark.REMOVE: "remove",
}


def store_and_ns(store: str, ns: str | None) -> str:
    """pbs-api-types `print_store_and_ns`."""
    return f"datastore '{store}', namespace '{ns}'" if ns else f"datastore '{store}', root namespace"


def depth_text(max_depth: int | None) -> str:
    """How `prune_datastore` names the recursion depth."""
    depth = grammar.ids.MAX_NAMESPACE_DEPTH if max_depth is None else max_depth
    if depth == grammar.ids.MAX_NAMESPACE_DEPTH:
        return "down to full depth"
    return f"to depth {depth}" if depth > 0 else "non-recursive"


def cli_prune_options(job: Job) -> str:
    """`cli_prune_options_string`: `--ns`, `--max-depth`, then each keep option above 0."""
    options = [f"--ns {job['ns']}"] if job.get("ns") else []
    if job.get("max-depth") is not None:
        options.append(f"--max-depth {job['max-depth']}")
    options.extend(f"--{name} {job[name]}" for name in KEEP_FIELDS if job.get(name))
    return " ".join(options)


class PruneJobStore(DatastoreJobStore):
    file_name = "prune.cfg"
    section_type = "prune"
    jobtype = "prunejob"
    schema = api_types.PRUNE_JOB_CONFIG
    list_privs = ("Datastore.Audit", "Datastore.Modify")
    read_privs = ("Datastore.Audit",)
    modify_priv = "Datastore.Modify"

    def stored(self, job: Job) -> Job:
        return {k: v for k, v in job.items() if not (k == "disable" and v is False)}

    def apply_update(self, job: Job, update: dict[str, Any]) -> bool:
        if "store" in update:
            job["store"] = update["store"]
        if "ns" in update:
            if update["ns"]:
                job["ns"] = update["ns"]
            else:
                job.pop("ns", None)
        schedule_changed = False
        if "schedule" in update:
            schedule_changed = job.get("schedule") != update["schedule"]
            job["schedule"] = update["schedule"]
        if "max-depth" in update and update["max-depth"] <= grammar.ids.MAX_NAMESPACE_DEPTH:
            job["max-depth"] = update["max-depth"]
        for name in ("disable", "comment", *KEEP_FIELDS):
            if name in update:
                job[name] = update[name]
        return schedule_changed

    def next_run_schedule(self, job: Job) -> str | None:
        return None if job.get("disable") else job.get("schedule")

    def worker_id(self, job: Job) -> str:
        return f"{job['store']}:{job['ns']}" if job.get("ns") else job["store"]

    def run_body(self, worker: WorkerTask, job: Job, auth_id: str) -> None:
        worker.log(f"prune job '{job['id']}'")
        store = job["store"]
        where, depth = store_and_ns(store, job.get("ns")), depth_text(job.get("max-depth"))
        worker.log(f"Starting datastore prune on {where}, {depth}")
        keep = KeepOptions.from_pbs(job)
        keep_all = not keep.keeps_something()
        if keep_all:
            worker.warn("No prune selection - keeping all files.")  # `warn!`: the task ends `WARNINGS: 1`
        else:
            worker.log(f"retention options: {cli_prune_options(job)}")
        backups = self._datastores.content
        for ns, group in self.groups_in_scope(job, (auth_id, "Datastore.Modify", "Datastore.Prune")):
            snapshots = {snap.time: snap for snap in backups.snapshots(store, ns, group)}
            selection = [Snapshot(t, finished=True, protected=s.protected) for t, s in snapshots.items()]
            # the server's local time zone, as PBS's `strftime_local`
            marks = list(reversed(compute_prune_info(selection, keep, tz=None)))  # delete older first
            worker.log(f'Pruning group {"/".join(ns)}:"{group}"')
            for info, mark in marks:
                snap = snapshots[info.backup_time]
                worker.log(f"{_MARK_TEXT[mark]} {snap.dir_name}")
                if not keep_all and not mark.keep:
                    backups.remove_snapshot(store, ns, snap)
