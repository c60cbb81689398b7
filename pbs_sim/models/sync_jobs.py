"""Sync jobs: ``sync.cfg``, the create/update/delete rules, read/modify access, status and runs.

Follows pbs ``src/api2/config/sync.rs`` and ``src/api2/admin/sync.rs`` step by step, including the
validation order, PBS's quirks (``schedule_changed`` compares against an absent update, push jobs
hidden from listings unless ``sync-direction`` asks for them) and plain-400 permission failures.
A run takes the job lock, spawns a ``syncjob`` task and records the job state; what the task transfers
is delegated to a :class:`SyncRunner` (the default transfers nothing; ``models.sync_runner`` runs
PBS's pull and push).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from pbs_sim import api_types, errors, grammar
from pbs_sim.config_store import SectionConfigFile
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import ROOT_USERID, user_of
from pbs_sim.models.jobs import JobStates
from pbs_sim.models.permissions import PermissionResolver
from pbs_sim.models.sync_common import SyncStats, human_binary, rate_text
from pbs_sim.models.tasks import TaskManager, WorkerTask
from pbs_sim.section_config import SectionType
from pbs_types.config_text import rust_trim

SYNC_TYPES = {"sync": SectionType("sync", "id", api_types.SYNC_JOB_CONFIG)}
JOBTYPE = "syncjob"


class SyncRunner(Protocol):
    def __call__(self, worker: WorkerTask, job: dict[str, Any]) -> SyncStats: ...


def null_sync_runner(worker: WorkerTask, job: dict[str, Any]) -> SyncStats:
    """The default: nothing to transfer (backup content is not simulated yet)."""
    if job.get("sync-direction") == "push" and job.get("remote") is None:
        raise ApiError("missing required remote")
    return SyncStats()


_ACCESS_FIELDS = ("store", "ns", "sync-direction", "remote", "remote-store", "remote-ns")
"""The fields of a job that `can_read` looks at (the ACL paths of both ends and the direction)."""


def direction(job: dict[str, Any]) -> str:
    return job.get("sync-direction") or "pull"


def _ns_components(ns: str | None) -> list[str]:
    """Components of a stored namespace (already validated on write)."""
    return [c for c in (ns or "").split("/") if c]


def check_namespaces(job: dict[str, Any]) -> None:
    """``ns``/``remote-ns`` must be valid ``BackupNamespace`` values (depth <= 7)."""
    for key in ("ns", "remote-ns"):
        if job.get(key) is not None:
            try:
                grammar.ids.parse_namespace(job[key])
            except grammar.PbsValueError as exc:
                raise ApiError(str(exc)) from None


def local_acl_path(job: dict[str, Any]) -> list[str]:
    return ["datastore", job["store"], *_ns_components(job.get("ns"))]


def remote_acl_path(job: dict[str, Any]) -> list[str] | None:
    remote = job.get("remote")
    if remote is None:
        return None
    return ["remote", remote, job["remote-store"], *_ns_components(job.get("remote-ns"))]


def is_correct_owner(auth_id: str, job: dict[str, Any]) -> bool:
    owner = job.get("owner")
    if owner is None:
        return auth_id == ROOT_USERID
    if owner == auth_id:
        return True
    # a token of the owning user counts as the owner (check_backup_owner)
    return "!" not in owner and "!" in auth_id and user_of(auth_id) == owner


def check_max_depth(job: dict[str, Any]) -> None:
    """``BackupNamespace::check_max_depth`` for ``ns`` and ``remote-ns`` (pbs_types)."""
    max_depth = job.get("max-depth")
    if max_depth is None:
        return
    for key in ("ns", "remote-ns"):
        ns = job.get(key)
        if ns is not None:
            try:
                grammar.ids.check_namespace_max_depth(ns, max_depth)
            except grammar.PbsValueError as exc:
                raise ApiError(str(exc)) from None


def normalise(params: dict[str, Any]) -> dict[str, Any]:
    """PBS stores HumanByte and group filters in their canonical (re-serialised) forms."""
    out = dict(params)
    for key in api_types.HUMAN_BYTE_FIELDS:
        if key in out:
            out[key] = grammar.normalize_human_byte(out[key])
    if "group-filter" in out:
        out["group-filter"] = [grammar.normalize_group_filter(f) for f in out["group-filter"]]
    return out


class SyncJobStore:
    def __init__(
        self,
        data_dir: Path,
        perms: PermissionResolver,
        jobs: JobStates,
        tasks: TaskManager,
        now: Callable[[], int],
        require_datastore: Callable[[str], object],
    ) -> None:
        self.file = SectionConfigFile(data_dir / "sync.cfg", SYNC_TYPES)
        self._require_datastore = require_datastore
        self._perms = perms
        self._jobs = jobs
        self._tasks = tasks
        self._now = now
        self.runner: SyncRunner = null_sync_runner

    # --- access ----------------------------------------------------------------------------------
    def can_read(
        self,
        auth_id: str,
        job: dict[str, Any],
        privs: Callable[[str, list[str]], frozenset[str]] | None = None,
    ) -> bool:
        """Whether `auth_id` may see `job`; a listing passes one `PermissionResolver.snapshot()`."""
        privs = privs or self._perms.lookup
        if "Datastore.Audit" not in privs(auth_id, local_acl_path(job)):
            return False
        if direction(job) == "pull":
            if job.get("remote") is not None:
                return "Remote.Audit" in privs(auth_id, ["remote", job["remote"]])
            return "Datastore.Audit" in privs(auth_id, ["datastore", job["remote-store"]])
        target = remote_acl_path(job)
        return target is not None and "Remote.Audit" in privs(auth_id, target)

    def can_modify(self, auth_id: str, job: dict[str, Any]) -> bool:
        privs = self._perms.lookup
        if direction(job) == "pull":
            anchor = privs(auth_id, local_acl_path(job))
            if "Datastore.Audit" not in anchor or "Datastore.Backup" not in anchor:
                return False
            if job.get("remove-vanished") is True and "Datastore.Prune" not in anchor:
                return False
            if not is_correct_owner(auth_id, job) and "Datastore.Modify" not in anchor:
                return False
            if job.get("remote") is not None:
                return "Remote.Read" in privs(auth_id, ["remote", job["remote"], job["remote-store"]])
            return True
        target_path = remote_acl_path(job)
        if target_path is None:
            return False
        target = privs(auth_id, target_path)
        if "Remote.DatastoreBackup" not in target:
            return False
        if job.get("remove-vanished") is True and "Remote.DatastorePrune" not in target:
            return False
        source = privs(auth_id, local_acl_path(job))
        if "Datastore.Audit" not in source:
            return False
        if "Datastore.Read" in source:
            return True
        if not is_correct_owner(auth_id, job) and "Datastore.Modify" not in source:
            return False
        return "Datastore.Backup" in source

    # --- config ----------------------------------------------------------------------------------
    def all_jobs(self) -> list[tuple[str, dict[str, Any]]]:
        data, _ = self.file.read()
        return data.items("sync")

    @staticmethod
    def _item(job_id: str, props: dict[str, Any]) -> dict[str, Any]:
        return {"id": job_id, **props}

    def list(self, caller: str, wanted: str) -> tuple[list[dict[str, Any]], str]:
        sections, digest = self.file.read_shared()  # only read: every answer is a new dict
        privs = self._perms.snapshot()
        result = []
        for job_id, (type_name, props) in sections.items():
            if type_name != "sync":
                continue
            job = self._item(job_id, props)
            if wanted != "all" and direction(job) != wanted:
                continue
            if self.can_read(caller, job, privs):
                result.append(job)
        return result, digest

    def read(self, caller: str, job_id: str) -> tuple[dict[str, Any], str]:
        sections, digest = self.file.read_shared()  # only read: the answer is a new dict
        found = sections.get(job_id)
        if found is None or found[0] != "sync":
            raise errors.no_such_section("sync", job_id)
        job = self._item(job_id, found[1])
        if not self.can_read(caller, job):
            raise ApiError(errors.PERMISSION_CHECK_FAILED)
        return job, digest

    def create(self, caller: str, params: dict[str, Any]) -> None:
        check_namespaces(params)
        job = normalise(params)
        with self.file.locked():
            if not self.can_modify(caller, job):
                raise ApiError(errors.PERMISSION_CHECK_FAILED)
            if job.get("remote") is None and job["store"] == job["remote-store"]:
                raise ApiError(errors.SYNC_SAME_DATASTORE)
            if direction(job) == "push" and "resync-corrupt" in job:
                raise ApiError(errors.SYNC_PUSH_RESYNC_CORRUPT)
            if direction(job) != "push" and "active-encryption-key" in job:
                raise ApiError(errors.SYNC_ENCRYPTION_KEY_PUSH_ONLY)
            check_max_depth(job)
            # Encryption keys are not simulated: any referenced key is "not accessible".
            if direction(job) == "push" and "active-encryption-key" in job:
                raise errors.no_such_key(job["active-encryption-key"])
            if direction(job) != "push" and job.get("associated-key"):
                raise errors.no_such_key(job["associated-key"][0])
            data, _ = self.file.read()
            if data.get(job["id"]) is not None:
                raise errors.job_exists(job["id"])
            data.set(job["id"], "sync", {k: v for k, v in job.items() if k != "id"})
            self.file.write(data)
            self._jobs.create(JOBTYPE, job["id"])

    def update(self, caller: str, job_id: str, params: dict[str, Any]) -> None:
        check_namespaces(params)
        update = normalise(params)
        with self.file.locked():
            data, digest = self.file.read()
            self.file.check_digest(update.get("digest"), digest)
            found = data.get(job_id)
            if found is None or found[0] != "sync":
                raise errors.no_such_section("sync", job_id)
            job = self._item(job_id, found[1])
            if update.get("sync-direction", "pull") == "push" and "resync-corrupt" in update:
                raise ApiError(errors.SYNC_PUSH_RESYNC_CORRUPT)
            previous_key = None
            deletes = update.get("delete", [])
            for name in deletes:
                if name == "active-encryption-key":
                    previous_key = job.pop(name, None)
                else:
                    job.pop(name, None)
            if deletes and previous_key is not None:
                keys = job.setdefault("associated-key", [])
                if previous_key not in keys:
                    keys.append(previous_key)
            if "comment" in update:
                comment = rust_trim(update["comment"])
                if comment:
                    job["comment"] = comment
                else:
                    job.pop("comment", None)
            for name in ("store", "ns", "remote", "remote-store", "remote-ns"):
                if name in update:
                    job[name] = update[name]
            if "owner" in update:
                job["owner"] = update["owner"]
                if "active-encryption-key" not in update and job.get("active-encryption-key"):
                    raise errors.no_such_key(job["active-encryption-key"])
                if "associated-key" not in update and job.get("associated-key"):
                    raise errors.no_such_key(job["associated-key"][0])
            for name in (
                "group-filter",
                "transfer-last",
                "resync-corrupt",
                "encrypted-only",
                "verified-only",
                "run-on-mount",
            ):
                if name in update:
                    job[name] = update[name]
            if "unmount-on-done" in update:
                if update["unmount-on-done"] and job.get("run-on-mount") is not True:
                    raise ApiError(errors.SYNC_UNMOUNT_NEEDS_RUN_ON_MOUNT)
                job["unmount-on-done"] = update["unmount-on-done"]
            if "sync-direction" in update:
                if update["sync-direction"] != "push" and job.get("active-encryption-key"):
                    raise ApiError(errors.SYNC_SWITCH_TO_PULL_WITH_KEY)
                job["sync-direction"] = update["sync-direction"]
            if "worker-threads" in update:
                job["worker-threads"] = update["worker-threads"]
            if "active-encryption-key" in update:
                if direction(job) != "push":
                    raise ApiError(errors.SYNC_ENCRYPTION_KEY_PUSH_ONLY)
                raise errors.no_such_key(update["active-encryption-key"])
            if "associated-key" in update:
                if update["associated-key"]:
                    raise errors.no_such_key(update["associated-key"][0])
                job["associated-key"] = update["associated-key"]
            for name in api_types.HUMAN_BYTE_FIELDS:
                if name in update:
                    job[name] = update[name]
            # PBS quirk: an update without `schedule` on a scheduled job counts as a change.
            schedule_changed = job.get("schedule") != update.get("schedule")
            if "schedule" in update:
                job["schedule"] = update["schedule"]
            if "remove-vanished" in update:
                job["remove-vanished"] = update["remove-vanished"]
            if "max-depth" in update:
                job["max-depth"] = update["max-depth"]
            check_max_depth(job)
            if not self.can_modify(caller, job):
                raise ApiError(errors.PERMISSION_CHECK_FAILED)
            data.set(job_id, "sync", {k: v for k, v in job.items() if k != "id"})
            self.file.write(data)
        if schedule_changed:
            self._jobs.update_last_run_time(JOBTYPE, job_id)

    def delete(self, caller: str, job_id: str, digest: str | None) -> None:
        with self.file.locked():
            data, current = self.file.read()
            self.file.check_digest(digest, current)
            found = data.get(job_id)
            if found is None or found[0] != "sync":
                raise errors.job_does_not_exist(job_id)
            if not self.can_modify(caller, self._item(job_id, found[1])):
                raise ApiError(errors.PERMISSION_CHECK_FAILED)
            data.remove(job_id)
            self.file.write(data)
        self._jobs.remove(JOBTYPE, job_id)

    def delete_for_store(self, store: str) -> None:
        """Datastore removal without ``keep-job-configs``: drop its jobs (both directions)."""
        with self.file.locked():
            data, _ = self.file.read()
            doomed = [job_id for job_id, props in data.items("sync") if props["store"] == store]
            for job_id in doomed:
                data.remove(job_id)
            if doomed:
                self.file.write(data)
        for job_id in doomed:
            self._jobs.remove(JOBTYPE, job_id)

    # --- status and runs -------------------------------------------------------------------------
    def status_list(self, caller: str, store: str | None, wanted: str) -> tuple[list[dict[str, Any]], str]:
        sections, digest = self.file.read_shared()  # only read: every answer is a new dict
        privs = self._perms.snapshot()
        readable: dict[tuple[Any, ...], bool] = {}  # can_read depends on these fields of a job alone
        result = []
        for job_id, (type_name, props) in sections.items():
            if type_name != "sync":
                continue
            job = self._item(job_id, props)
            if store is not None and job["store"] != store:
                continue
            if wanted != "all" and direction(job) != wanted:
                continue
            key = tuple(map(job.get, _ACCESS_FIELDS))
            allowed = readable.get(key)
            if allowed is None:
                allowed = readable[key] = self.can_read(caller, job, privs)
            if not allowed:
                continue
            result.append({**job, **self._jobs.schedule_status(JOBTYPE, job_id, job.get("schedule"))})
        return result, digest

    def run(self, caller: str, job_id: str) -> str:
        data, _ = self.file.read()
        found = data.get(job_id)
        if found is None or found[0] != "sync":
            raise errors.no_such_section("sync", job_id)
        job = self._item(job_id, found[1])
        if not self.can_modify(caller, job):
            raise errors.run_permission_denied(caller)
        lock = self._jobs.acquire(JOBTYPE, job_id)
        try:
            if job.get("remote") is None and job["store"] == job["remote-store"]:
                raise ApiError(errors.RUN_SAME_DATASTORE)
            return self._spawn(caller, job, lock)
        except BaseException:
            lock.release()
            raise

    def _spawn(self, caller: str, job: dict[str, Any], lock: Any) -> str:
        job_id = job["id"]
        worker_id = ":".join(
            [job.get("remote") or "-", job["remote-store"], job["store"], job.get("ns") or "", job_id]
        )
        sync_dir = direction(job)

        def body(worker: WorkerTask) -> None:
            worker.log(f"Starting datastore sync job '{worker_id}'")
            remote_prefix = f"{job['remote']}/" if job.get("remote") else ""
            preposition = "from" if sync_dir == "pull" else "to"
            worker.log(
                f"sync datastore '{job['store']}' {preposition} '{remote_prefix}{job['remote-store']}'"
            )
            # like Pull/PushParameters: the local datastore(s) must exist (else the task fails)
            self._require_datastore(job["store"])
            if job.get("remote") is None:
                self._require_datastore(job["remote-store"])
            stats = self.runner(worker, job)
            if stats.bytes:
                worker.log(
                    f"Summary: sync job {sync_dir}ed {human_binary(stats.bytes)} in {stats.chunk_count} "
                    f"chunks (average rate: {rate_text(stats.bytes, stats.elapsed)}/s)"
                )
            else:
                worker.log(f"Summary: sync job found no new data to {sync_dir}")
            if stats.removed_snapshots is not None:
                worker.log(
                    "Summary: removed vanished: snapshots: "
                    f"{stats.removed_snapshots}, groups: {stats.removed_groups}, "
                    f"namespaces: {stats.removed_namespaces}"
                )
            worker.log(f"sync job '{worker_id}' end")

        def on_finish(ended: Any) -> None:
            try:
                self._jobs.finished(JOBTYPE, job_id, upid_holder[0], ended)
            finally:
                lock.release()

        upid_holder: list[str] = []

        def on_start(upid: str) -> None:
            upid_holder.append(upid)
            self._jobs.started(JOBTYPE, job_id, upid)

        return self._tasks.spawn(JOBTYPE, worker_id, caller, body, on_start=on_start, on_finish=on_finish)
