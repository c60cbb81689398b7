"""Verify jobs: `verification.cfg`, PBS's update rules, and runs that mark snapshots verified.

Follows proxmox-backup `src/api2/config/verify.rs` (listed and read with Datastore.Audit or
Datastore.Verify, changed with Datastore.Verify; a root `ns` in an update is ignored, `max-depth` above
7 is ignored, a blank comment clears it), `src/server/verify_job.rs` (worker id `{store}:{id}`, every
group below `ns` whoever owns it) and `src/backup/verify.rs` (`verify_all_backups`: groups sorted by
type and id across namespaces, `host/benchmark` left out, each group's snapshots newest first with the
progress after each; `verify_filter`: with `ignore-verified` (default true) a verified snapshot is
skipped unless its last verification is older than `outdated-after` days). The simulator stores no
chunks, so every verified snapshot is `ok`; its manifest's `verify_state` records the task, as PBS
does, and the snapshot listing shows it (which sync's `verified-only` reads).
"""

from __future__ import annotations

from typing import Any

from pbs_sim import api_types, grammar
from pbs_sim.models.backups import BackupGroup
from pbs_sim.models.datastore_jobs import DatastoreJobStore, Job
from pbs_sim.models.store_progress import StoreProgress
from pbs_sim.models.tasks import Upid, WorkerTask

SECONDS_PER_DAY = 86400
BENCHMARK_GROUP = BackupGroup("host", "benchmark")


class VerifyJobStore(DatastoreJobStore):
    file_name = "verification.cfg"
    section_type = "verification"
    jobtype = "verificationjob"
    schema = api_types.VERIFY_JOB_CONFIG
    list_privs = ("Datastore.Audit", "Datastore.Verify")
    read_privs = ("Datastore.Audit", "Datastore.Verify")
    modify_priv = "Datastore.Verify"

    def apply_update(self, job: Job, update: dict[str, Any]) -> bool:
        if "comment" in update:
            comment = update["comment"].strip()
            if comment:
                job["comment"] = comment
            else:
                job.pop("comment", None)
        for name in ("store", "ignore-verified", "outdated-after", "read-threads", "verify-threads"):
            if name in update:
                job[name] = update[name]
        # PBS compares the stored schedule with the (possibly absent) new one
        schedule_changed = job.get("schedule") != update.get("schedule")
        if "schedule" in update:
            job["schedule"] = update["schedule"]
        if update.get("ns"):
            job["ns"] = update["ns"]
        if "max-depth" in update and update["max-depth"] <= grammar.ids.MAX_NAMESPACE_DEPTH:
            job["max-depth"] = update["max-depth"]
        return schedule_changed

    def worker_id(self, job: Job) -> str:
        return f"{job['store']}:{job['id']}"

    def needs_verify(self, job: Job, verify_state: dict[str, Any] | None) -> bool:
        """`VerifyWorker::verify_filter`."""
        if not job.get("ignore-verified", True):
            return True
        if not isinstance(verify_state, dict):
            return True
        outdated_after = job.get("outdated-after")
        if outdated_after is None:
            return False
        days = (self._now() - Upid.parse(verify_state["upid"]).starttime) // SECONDS_PER_DAY
        return days > outdated_after

    def run_body(self, worker: WorkerTask, job: Job, auth_id: str) -> None:
        store = job["store"]
        worker.log(f"Starting datastore verify job '{self.worker_id(job)}'")
        worker.log(f"verify datastore {store}")
        backups = self._datastores.content
        scope = [(ns, group) for ns, group in self.groups_in_scope(job) if group != BENCHMARK_GROUP]
        scope.sort(key=lambda item: item[1].sort_key())
        worker.log(f"found {len(scope)} groups")
        progress = StoreProgress(len(scope))
        for position, (ns, group) in enumerate(scope):
            progress.done_groups, progress.done_snapshots = position, 0
            snapshots = sorted(backups.snapshots(store, ns, group), key=lambda s: s.time, reverse=True)
            progress.group_snapshots = len(snapshots)
            worker.log(f"verify group {store}:{group} ({len(snapshots)} snapshots)")
            for done, snap in enumerate(snapshots, start=1):
                name = f"{store}:{snap.dir_name}"
                if self.needs_verify(job, snap.unprotected.get("verify_state")):
                    worker.log(f"verify {name}")
                    for archive in snap.files:
                        worker.log(f"  check {archive['filename']}")
                    snap.unprotected["verify_state"] = {"state": "ok", "upid": str(worker.upid)}
                    backups.write_snapshot(store, ns, snap)
                else:
                    worker.log(f"SKIPPED: verify {name} (recently verified)")
                progress.done_snapshots = done
                worker.log(f"percentage done: {progress}")
