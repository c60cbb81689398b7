"""Verify jobs: `verification.cfg`, PBS's update rules, and runs that mark snapshots verified.

Follows proxmox-backup `src/api2/config/verify.rs` (a root `ns` in an update is ignored, `max-depth`
above 7 is ignored, a blank comment clears it) and `src/server/verify_job.rs` / `src/backup/verify.rs`
(`verify_filter`: with `ignore-verified` (default true) a verified snapshot is skipped unless its last
verification is older than `outdated-after` days). The simulator stores no chunks, so every verified
snapshot is `ok`; its manifest's `verify_state` records the task, as PBS does, and the snapshot
listing shows it (which sync's `verified-only` reads).
"""

from __future__ import annotations

from typing import Any

from pbs_sim import api_types, grammar
from pbs_sim.models.datastore_jobs import DatastoreJobStore, Job
from pbs_sim.models.tasks import Upid, WorkerTask

SECONDS_PER_DAY = 86400


class VerifyJobStore(DatastoreJobStore):
    file_name = "verification.cfg"
    section_type = "verification"
    jobtype = "verificationjob"
    schema = api_types.VERIFY_JOB_CONFIG
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

    def run_body(self, worker: WorkerTask, job: Job) -> None:
        store = job["store"]
        worker.log(f"Starting datastore verify job '{self.worker_id(job)}'")
        worker.log(f"verify datastore {store}")
        backups = self._datastores.content
        scope = list(self.groups_in_scope(job))
        worker.log(f"found {len(scope)} groups")
        for ns, group in scope:
            for snap in backups.snapshots(store, ns, group):
                name = f"{store}:{'/'.join(ns) + '/' if ns else ''}{snap.dir_name}"
                if not self.needs_verify(job, snap.unprotected.get("verify_state")):
                    worker.log(f"SKIPPED: verify {name} (recently verified)")
                    continue
                worker.log(f"verify {name}")
                snap.unprotected["verify_state"] = {"state": "ok", "upid": str(worker.upid)}
                backups.write_snapshot(store, ns, snap)
