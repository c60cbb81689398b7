"""What prune jobs and verify jobs share: a section-config file of jobs on one datastore (or namespace).

Both follow the same shape in proxmox-backup (`src/api2/config/prune.rs`, `verify.rs` and
`src/api2/admin/prune.rs`, `verify.rs`): list filtered by the caller's privileges on the job's ACL path
(`/datastore/{store}[/{ns}]`), create refusing a taken id (`job '{id}' already exists.`), read, update
under the file lock with the digest check and `delete[]`, delete (`job '{id}' does not exist.` as 404),
a job state file per job, a status listing with `next-run`/`last-run-*` (a disabled job has no next
run), and a manual run as a worker task. Neither kind checks `max-depth` against the depth of `ns` when
saved (only sync jobs do, `src/api2/config/sync.rs`): a run walks at most the levels that exist below
`ns` (`ListNamespacesRecursive::new_max_depth` in `pbs-datastore/src/hierarchy.rs`). The kind-specific
parts (privileges, the update rules, how a job is stored and what a run does) live in `prune_jobs`
and `verify_jobs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pbs_sim import errors, grammar
from pbs_sim.config_store import SectionConfigFile
from pbs_sim.models.backups import BackupGroup
from pbs_sim.models.content_access import ContentAccess
from pbs_sim.models.datastores import DatastoreStore, ns_components
from pbs_sim.models.jobs import JobStates
from pbs_sim.models.permissions import PermissionResolver
from pbs_sim.models.tasks import TaskManager, WorkerTask
from pbs_sim.section_config import SectionType

Job = dict[str, Any]


def acl_path(job: Job) -> list[str]:
    """`acl_path()` of the job configs: the datastore, or the namespace below it."""
    return ["datastore", job["store"], *ns_components(job.get("ns"))]


class DatastoreJobStore:
    """Config, status and runs of one datastore job kind; subclasses set the class attributes."""

    file_name: str
    section_type: str
    jobtype: str
    schema: Any  # the ObjectSchema of the stored section
    list_privs: tuple[str, ...]  # any of them lists the job (config and status listings)
    read_privs: tuple[str, ...]  # any of them lets a caller read the job
    modify_priv: str  # needed to create, change, delete and run it

    def __init__(
        self,
        data_dir: Path,
        perms: PermissionResolver,
        jobs: JobStates,
        tasks: TaskManager,
        datastores: DatastoreStore,
        now: Callable[[], int],
    ) -> None:
        self.file = SectionConfigFile(
            data_dir / self.file_name, {self.section_type: SectionType(self.section_type, "id", self.schema)}
        )
        self._perms = perms
        self._jobs = jobs
        self._tasks = tasks
        self._datastores = datastores
        self._content = ContentAccess(datastores, perms, tasks)
        self._now = now

    # --- kind-specific hooks -----------------------------------------------------------------------
    def apply_update(self, job: Job, update: dict[str, Any]) -> bool:
        """Apply `update` (after `delete[]`) to `job`; True when the schedule changed."""
        raise NotImplementedError

    def next_run_schedule(self, job: Job) -> str | None:
        """The schedule the status listing computes `next-run` from (None: no next run)."""
        return job.get("schedule")

    def stored(self, job: Job) -> Job:
        """The job as PBS serialises it into the file (e.g. a false `disable` is not written)."""
        return job

    def worker_id(self, job: Job) -> str:
        raise NotImplementedError

    def run_body(self, worker: WorkerTask, job: Job, auth_id: str) -> None:
        """What a run of `job`, started by `auth_id`, does (the worker task's body)."""
        raise NotImplementedError

    # --- access ------------------------------------------------------------------------------------
    def can_read(self, caller: str, job: Job) -> bool:
        return bool(self._perms.lookup(caller, acl_path(job)) & set(self.list_privs))

    def _check_modify(self, caller: str, job: Job) -> None:
        self._perms.check(caller, acl_path(job), self.modify_priv, partial=True)

    # --- config ------------------------------------------------------------------------------------
    @staticmethod
    def _item(job_id: str, props: dict[str, Any]) -> Job:
        return {"id": job_id, **props}

    def _lookup(self, data: Any, job_id: str) -> Job:
        found = data.get(job_id)
        if found is None or found[0] != self.section_type:
            raise errors.no_such_section(self.section_type, job_id)
        return self._item(job_id, found[1])

    def list(self, caller: str, store: str | None = None) -> tuple[list[Job], str]:
        data, digest = self.file.read()
        jobs = [self._item(i, p) for i, p in data.items(self.section_type)]
        visible = [j for j in jobs if self.can_read(caller, j) and store in (None, j["store"])]
        return visible, digest

    def read(self, caller: str, job_id: str) -> tuple[Job, str]:
        data, digest = self.file.read()
        job = self._lookup(data, job_id)
        self._perms.check(caller, acl_path(job), *self.read_privs, partial=True)
        return job, digest

    def create(self, caller: str, params: dict[str, Any]) -> None:
        job = dict(params)
        self._check_modify(caller, job)
        job = self.stored(job)
        with self.file.locked():
            data, _ = self.file.read()
            if data.get(job["id"]) is not None:
                raise errors.job_exists(job["id"])
            data.set(job["id"], self.section_type, {k: v for k, v in job.items() if k != "id"})
            self.file.write(data)
            self._jobs.create(self.jobtype, job["id"])

    def update(self, caller: str, job_id: str, params: dict[str, Any]) -> None:
        with self.file.locked():
            data, digest = self.file.read()
            self.file.check_digest(params.get("digest"), digest)
            job = self._lookup(data, job_id)
            self._check_modify(caller, job)
            for name in params.get("delete", []):
                job.pop(name, None)
            update = {k: v for k, v in params.items() if k not in ("id", "delete", "digest")}
            schedule_changed = self.apply_update(job, update)
            self._check_modify(caller, job)
            job = self.stored(job)
            data.set(job_id, self.section_type, {k: v for k, v in job.items() if k != "id"})
            self.file.write(data)
        if schedule_changed:
            self._jobs.update_last_run_time(self.jobtype, job_id)

    def delete(self, caller: str, job_id: str, digest: str | None) -> None:
        with self.file.locked():
            data, current = self.file.read()
            job = self._lookup(data, job_id)
            self._check_modify(caller, job)
            self.file.check_digest(digest, current)
            if not data.remove(job_id):
                raise errors.job_does_not_exist(job_id)
            self.file.write(data)
        self._jobs.remove(self.jobtype, job_id)

    def delete_for_store(self, store: str) -> None:
        """Datastore removal without `keep-job-configs`: drop the store's jobs."""
        with self.file.locked():
            data, _ = self.file.read()
            doomed = [i for i, p in data.items(self.section_type) if p["store"] == store]
            for job_id in doomed:
                data.remove(job_id)
            if doomed:
                self.file.write(data)
        for job_id in doomed:
            self._jobs.remove(self.jobtype, job_id)

    # --- status and runs ---------------------------------------------------------------------------
    def status_list(self, caller: str, store: str | None) -> tuple[list[Job], str]:
        jobs, digest = self.list(caller, store)
        return [
            {**job, **self._jobs.schedule_status(self.jobtype, job["id"], self.next_run_schedule(job))}
            for job in jobs
        ], digest

    def run(self, caller: str, job_id: str) -> str:
        data, _ = self.file.read()
        job = self._lookup(data, job_id)
        self._check_modify(caller, job)
        lock = self._jobs.acquire(self.jobtype, job_id)
        upid: list[str] = []

        def body(worker: WorkerTask) -> None:
            self._datastores.require(job["store"])
            self.run_body(worker, job, caller)

        def on_start(started: str) -> None:
            upid.append(started)
            self._jobs.started(self.jobtype, job_id, started)

        def on_finish(ended: Any) -> None:
            try:
                self._jobs.finished(self.jobtype, job_id, upid[0], ended)
            finally:
                lock.release()

        try:
            return self._tasks.spawn(
                self.jobtype, self.worker_id(job), caller, body, on_start=on_start, on_finish=on_finish
            )
        except BaseException:
            lock.release()
            raise

    def groups_in_scope(
        self, job: Job, access: tuple[str, str, str] | None = None
    ) -> Iterator[tuple[list[str], BackupGroup]]:
        """`ListAccessibleBackupGroups` below the job's namespace, down to `max-depth` (full depth when
        unset, and never below the 7 levels PBS allows). `access` is (auth id, the privilege that
        overrides the owner check, the privilege an owner needs besides); None: every group."""
        anchor = ns_components(job.get("ns"))
        depth = job.get("max-depth")
        depth = grammar.ids.MAX_NAMESPACE_DEPTH if depth is None else depth
        for ns in self._datastores.walk(
            job["store"], anchor, min(depth, grammar.ids.MAX_NAMESPACE_DEPTH - len(anchor))
        ):
            if access is None:
                groups = self._datastores.content.groups(job["store"], ns)
            else:
                groups = self._content.accessible_groups(access[0], job["store"], ns, *access[1:])
            for group in groups:
                yield ns, group
