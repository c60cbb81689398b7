"""Prune jobs: `prune.cfg`, PBS's update rules, and runs that remove what the keep options do not keep.

Follows proxmox-backup `src/api2/config/prune.rs` (a root `ns` in an update clears it, `max-depth`
above 7 is ignored, a schedule change resets the next run) and `src/server/prune_job.rs`
(`prune_datastore`: per group `compute_prune_info` from `pbs_types.prune`, oldest first, protected
snapshots kept, "No prune selection - keeping all files." when no keep option is set).
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


class PruneJobStore(DatastoreJobStore):
    file_name = "prune.cfg"
    section_type = "prune"
    jobtype = "prunejob"
    schema = api_types.PRUNE_JOB_CONFIG
    read_privs = ("Datastore.Audit",)
    modify_priv = "Datastore.Modify"

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

    def run_body(self, worker: WorkerTask, job: Job) -> None:
        worker.log(f"prune job '{job['id']}'")
        store, max_depth = job["store"], job.get("max-depth")
        where = f"datastore {store}" + (f" namespace {job['ns']}" if job.get("ns") else "")
        if max_depth is None or max_depth == grammar.ids.MAX_NAMESPACE_DEPTH:
            depth = "down to full depth"
        elif max_depth > 0:
            depth = f"to depth {max_depth}"
        else:
            depth = "non-recursive"
        worker.log(f"Starting datastore prune on {where}, {depth}")
        keep = KeepOptions.from_pbs(job)
        keep_all = not keep.keeps_something()
        if keep_all:
            worker.log("No prune selection - keeping all files.")
        else:
            rendered = " ".join(f"--{name} {job[name]}" for name in KEEP_FIELDS if job.get(name))
            worker.log(f"retention options: {rendered}")
        backups = self._datastores.content
        for ns, group in self.groups_in_scope(job):
            snapshots = {snap.time: snap for snap in backups.snapshots(store, ns, group)}
            selection = [Snapshot(t, finished=True, protected=s.protected) for t, s in snapshots.items()]
            marks = list(reversed(compute_prune_info(selection, keep)))  # delete older snapshots first
            worker.log(f'Pruning group {"/".join(ns)}:"{group}"')
            for info, mark in marks:
                snap = snapshots[info.backup_time]
                worker.log(f"{_MARK_TEXT[mark]} {snap.dir_name}")
                if not keep_all and not mark.keep:
                    backups.remove_snapshot(store, ns, snap)
