"""Pull: copy snapshots from a source (another PBS over HTTPS, or a local datastore) into a local one.

Step by step as pbs ``src/server/pull.rs``: ``pull_store`` (namespaces, create/check target
namespaces, remove vanished namespaces) -> ``pull_ns`` (groups, filters, remove vanished groups) ->
``lock_and_pull_group`` (owner check) -> ``pull_group`` (in-progress, verified/encrypted filters,
already-synced and transfer-last skips, remove vanished snapshots) -> ``pull_snapshot_from``. Log lines,
per-group ``[<group>]: `` labels and error handling follow PBS; group failures do not stop the run
but end it with ``sync failed with some errors.``. Synced groups are owned by the job owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.models.backups import BackupGroup, Snapshot
from pbs_sim.models.content_access import ContentAccess, is_correct_owner
from pbs_sim.models.datastores import DatastoreStore
from pbs_sim.models.permissions import PermissionResolver
from pbs_sim.models.store_progress import StoreProgress
from pbs_sim.models.sync_common import (
    MAX_NAMESPACE_DEPTH,
    Namespace,
    SkipInfo,
    SyncError,
    SyncStats,
    Throttle,
    chain,
    check_namespace_depth_limit,
    exclude_not_verified_or_encrypted,
    human_binary,
    in_progress,
    manifest_not_verified_or_encrypted,
    map_prefix,
    ns_text,
    rate_text,
    snapshot_name,
    store_and_ns,
)
from pbs_sim.models.sync_sources import SyncSource
from pbs_sim.models.tasks import WorkerTask
from pbs_types.group_filter import GroupFilter, apply_group_filters


@dataclass
class PullParams:
    source: SyncSource
    store: str  # target datastore (local)
    ns: Namespace  # target anchor
    owner: str
    remove_vanished: bool
    max_depth: int | None
    group_filter: list[GroupFilter]
    transfer_last: int | None
    encrypted_only: bool
    verified_only: bool
    throttle: Throttle
    resync_corrupt: bool = False


class Pull:
    def __init__(
        self,
        params: PullParams,
        datastores: DatastoreStore,
        access: ContentAccess,
        perms: PermissionResolver,
        worker: WorkerTask,
    ) -> None:
        self.p = params
        self._datastores = datastores
        self._access = access
        self._content = access.content
        self._perms = perms
        self._worker = worker

    def log(self, message: str) -> None:
        self._worker.log(message)

    def glog(self, group: BackupGroup, message: str) -> None:
        self._worker.log(f"[{group}]: {message}")

    # --- privileges ------------------------------------------------------------------------------
    def _check_ns_privs(self, ns: Namespace, priv: str) -> None:
        try:
            self._access.check_ns_privs_full(self.p.owner, self.p.store, list(ns), (priv,), ())
        except ApiError as exc:
            raise SyncError(exc.message) from None

    def _check_ns_modification_privs(self, ns: Namespace) -> None:
        if not ns:
            raise SyncError(errors.ROOT_NAMESPACE)
        self._check_ns_privs(ns[:-1], "Datastore.Modify")

    # --- store -----------------------------------------------------------------------------------
    def run(self) -> SyncStats:
        """``pull_store``."""
        p = self.p
        errors_seen = False
        old_max_depth = p.max_depth
        if not p.source.ns and p.max_depth == 0:
            namespaces: list[Namespace] = [p.source.ns]  # backwards compat: don't query namespaces
        else:
            namespaces, p.max_depth = p.source.list_namespaces(p.max_depth)
        check_namespace_depth_limit(p.source.ns, p.ns, namespaces)
        errors_seen |= old_max_depth != p.max_depth
        namespaces.sort(key=lambda ns: len(ns_text(ns)))

        groups = snapshots = 0
        synced: set[Namespace] = set()
        stats = SyncStats()
        for namespace in namespaces:
            source_str = store_and_ns(p.source.store, namespace)
            target_ns = map_prefix(namespace, p.source.ns, p.ns)
            target_str = store_and_ns(p.store, target_ns)
            self.log("----")
            self.log(f"Syncing {source_str} into {target_str}")
            synced.add(target_ns)
            try:
                if self._check_and_create_ns(target_ns):
                    self.log(f"Created namespace {ns_text(target_ns)}")
            except SyncError as exc:
                self.log(f"Cannot sync {source_str} into {target_str} - {exc}")
                errors_seen = True
                continue
            try:
                progress, ns_stats, ns_errors = self._pull_ns(namespace)
            except Exception as exc:
                errors_seen = True
                self.log(f"Encountered errors while syncing namespace {ns_text(namespace)} - {exc}")
                continue
            errors_seen |= ns_errors
            stats.add(ns_stats)
            if p.max_depth != 0:
                groups += progress.done_groups
                snapshots += progress.done_snapshots
                name = "root namespace" if not namespace else f"namespace {ns_text(namespace)}"
                self.log(f"Finished syncing {name}, current progress: {groups} groups, {snapshots} snapshots")

        if p.remove_vanished:
            has_errors, removed = self._remove_vanished_namespaces(synced)
            errors_seen |= has_errors
            stats.add(removed)
        if errors_seen:
            raise SyncError(errors.SYNC_FAILED_PULL)
        return stats

    def _check_and_create_ns(self, ns: Namespace) -> bool:
        created = False
        store_ns = store_and_ns(self.p.store, ns)
        if ns and not self._datastores.namespace_exists(self.p.store, list(ns)):
            try:
                self._check_ns_modification_privs(ns)
            except SyncError as exc:
                raise SyncError(f"Creating {ns_text(ns)} not allowed - {exc}") from None
            if not self._datastores.namespace_exists(self.p.store, list(ns[:-1])):
                missing = errors.namespace_parent_missing(ns_text(ns[:-1])).message
                raise SyncError(f"sync into {store_ns} failed - namespace creation failed: {missing}")
            self._datastores.ensure_namespace(self.p.store, ns)
            created = True
        try:
            self._check_ns_privs(ns, "Datastore.Backup")
        except SyncError as exc:
            raise SyncError(f"sync into {store_ns} not allowed - {exc}") from None
        return created

    def _remove_vanished_namespaces(self, synced: set[Namespace]) -> tuple[bool, SyncStats]:
        """``check_and_remove_vanished_ns``: children first, only where the owner may see them."""
        p = self.p
        found_errors = False
        removed = 0
        max_depth = p.max_depth if p.max_depth is not None else MAX_NAMESPACE_DEPTH - len(p.source.ns)
        wanted = {"Datastore.Backup", "Datastore.Audit"}
        local = [
            tuple(ns)
            for ns in self._datastores.walk(p.store, list(p.ns), max_depth)
            if self._perms.lookup(p.owner, ["datastore", p.store, *ns]) & wanted
        ]
        local.sort(key=lambda ns: len(ns_text(ns)), reverse=True)
        for ns in local:
            if ns == p.ns or ns in synced or not ns:
                continue
            try:
                try:
                    self._check_ns_modification_privs(ns)
                except SyncError as exc:
                    raise SyncError(f"Removing {ns_text(ns)} not allowed - {exc}") from None
                removed_all, _ = self._datastores.remove_namespace_recursive(p.store, ns, True)
            except Exception as exc:
                self.log(f"Failed to remove namespace {ns_text(ns)} - {exc}")
                found_errors = True
                continue
            if removed_all:
                self.log(f"Removed namespace {ns_text(ns)}")
                removed += 1
            else:
                self.log(f"Did not remove namespace {ns_text(ns)} - protected snapshots remain")
        return found_errors, SyncStats.removed(namespaces=removed)

    # --- namespace -------------------------------------------------------------------------------
    def _pull_ns(self, namespace: Namespace) -> tuple[StoreProgress, SyncStats, bool]:
        p = self.p
        listed = p.source.list_groups(namespace, p.owner)
        groups = sorted(
            (g for g in listed if apply_group_filters(str(g), p.group_filter)), key=BackupGroup.sort_key
        )
        self.log(f"Found {len(groups)} groups to sync (out of {len(listed)} total)")
        found_errors = False
        progress = StoreProgress(len(groups))
        stats = SyncStats()
        target_ns = map_prefix(namespace, p.source.ns, p.ns)
        for group in groups:
            try:
                stats.add(self._lock_and_pull_group(group, namespace, target_ns, progress))
            except Exception:
                found_errors = True
            progress.done_groups += 1

        if p.remove_vanished:
            new_groups = set(groups)
            try:
                for local in self._content.groups(p.store, target_ns):
                    if local in new_groups:
                        continue
                    owner = self._content.owner(p.store, target_ns, local) or ""
                    if not is_correct_owner(owner, p.owner):
                        continue
                    if not apply_group_filters(str(local), p.group_filter):
                        continue
                    self.log(f"Delete vanished group '{local}'")
                    deleted = self._content.remove_group(p.store, target_ns, local)
                    if not deleted.all_removed():
                        self.log(f"Kept some protected snapshots of group '{local}'")
                        stats.add(SyncStats.removed(snapshots=deleted.removed_snapshots))
                    else:
                        stats.add(SyncStats.removed(snapshots=deleted.removed_snapshots, groups=1))
            except Exception as exc:
                self.log(f"Error during cleanup: {exc}")
                found_errors = True
        return progress, stats, found_errors

    # --- group -----------------------------------------------------------------------------------
    def _lock_and_pull_group(
        self, group: BackupGroup, namespace: Namespace, target_ns: Namespace, progress: StoreProgress
    ) -> SyncStats:
        owner = self._content.create_group(self.p.store, target_ns, group, self.p.owner)
        if owner != self.p.owner:
            self.glog(group, f"sync group {group} failed - owner check failed ({self.p.owner} != {owner})")
            raise SyncError("owner check failed")
        try:
            return self._pull_group(group, namespace, target_ns, progress)
        except Exception as exc:
            self.glog(group, f"sync group {group} failed - {chain(exc)}")
            raise

    def _pull_group(
        self, group: BackupGroup, namespace: Namespace, target_ns: Namespace, outer: StoreProgress
    ) -> SyncStats:
        p = self.p
        raw = []
        for item in p.source.list_snapshots(namespace, group):
            if in_progress(item):
                self.glog(group, f"skipping snapshot {snapshot_name(item)} - in-progress backup")
            else:
                raw.append(item)
        raw.sort(key=lambda item: item["backup-time"])
        last_sync = self._content.last_backup_time(p.store, target_ns, group)

        source_times: set[int] = set()
        candidates: list[int] = []
        corrupt: set[int] = set()  # resync-corrupt: local copies whose last verification failed
        for item in raw:
            if exclude_not_verified_or_encrypted(item, p.verified_only, p.encrypted_only):
                continue
            source_times.add(item["backup-time"])
            candidates.append(item["backup-time"])
            if p.resync_corrupt:
                local = self._content.snapshot(p.store, target_ns, group, item["backup-time"])
                if local is not None and local.verify_state == "failed":
                    corrupt.add(item["backup-time"])
        cutoff = max(len(candidates) - p.transfer_last, 0) if p.transfer_last else 0
        already_synced = SkipInfo(SkipInfo.ALREADY_SYNCED)
        transfer_last = SkipInfo(SkipInfo.TRANSFER_LAST)
        todo = []
        for pos, backup_time in enumerate(candidates):
            if backup_time in corrupt:
                todo.append(backup_time)
                continue
            # the newest local snapshot is always re-synced (its log or verify state may be new)
            if last_sync is not None and last_sync > backup_time:
                already_synced.update(backup_time)
                continue
            if pos < cutoff and last_sync != backup_time:
                transfer_last.update(backup_time)
                continue
            todo.append(backup_time)
        for info in (already_synced, transfer_last):
            if info.count:
                self.glog(group, f"{group}: {info}")

        progress = StoreProgress(outer.total_groups, outer.done_groups, group_snapshots=len(todo))
        stats = SyncStats()
        for pos, backup_time in enumerate(todo):
            try:
                result: SyncStats | Exception = self._pull_snapshot_from(
                    namespace, target_ns, group, backup_time, backup_time in corrupt
                )
            except Exception as exc:
                result = exc
            progress.done_snapshots = pos + 1
            self.glog(group, f"percentage done: {progress}")
            if isinstance(result, Exception):
                raise result  # stop on error
            stats.add(result)

        if p.remove_vanished:
            for snap in self._content.snapshots(p.store, target_ns, group):
                if snap.time in source_times:
                    continue
                if snap.protected:
                    self.glog(group, f"{group}: don't delete vanished snapshot {snap.dir_name} (protected)")
                    continue
                self.glog(group, f"delete vanished snapshot {snap.dir_name}")
                self._content.remove_snapshot(p.store, target_ns, snap)
                stats.add(SyncStats.removed(snapshots=1))
        return stats

    # --- snapshot --------------------------------------------------------------------------------
    def _pull_snapshot_from(
        self, namespace: Namespace, target_ns: Namespace, group: BackupGroup, backup_time: int, corrupt: bool
    ) -> SyncStats:
        p = self.p
        existing = self._content.snapshot(p.store, target_ns, group, backup_time)
        prefix = Snapshot(group, backup_time).time_string
        manifest = p.source.read_manifest(namespace, group, backup_time)  # opens the reader session
        if existing is None:
            self.glog(group, f"{prefix}: start sync")
        elif corrupt:
            self.glog(group, f"re-sync snapshot {prefix} due to corruption")
        else:
            self.glog(group, f"re-sync snapshot {prefix}")
        if manifest is None:
            self.glog(group, f"{prefix}: skipped because vanished since start of sync")
            return SyncStats()
        if existing is not None and not corrupt and existing.manifest() == manifest:
            self.glog(group, f"{prefix}: no data changes")
            return SyncStats()
        ignore, not_verified = manifest_not_verified_or_encrypted(manifest, p.verified_only, p.encrypted_only)
        if ignore:
            if not_verified:
                self.log(f"Snapshot {group}/{prefix} not verified but verified-only set, snapshot skipped")
            self.glog(group, f"{prefix}: skipped, did not match verified-only/encrypted-only filter")
            return SyncStats()
        snap = Snapshot.from_manifest(manifest)
        # archives already here (same name, size, crypt mode) are kept, unless the copy is corrupt
        present = (
            {(f["filename"], f.get("size"), f.get("crypt-mode")) for f in existing.files}
            if existing is not None and not corrupt
            else set()
        )
        stats = SyncStats()
        for archive in snap.files:
            name = archive["filename"]
            if (name, archive.get("size"), archive.get("crypt-mode")) in present:
                continue
            self.glog(group, f"{prefix}/{name}: sync archive")
            if name.endswith((".fidx", ".didx")):
                size = int(archive.get("size", 0))
                seconds = p.throttle.transfer(size)
                self.glog(
                    group, f"{prefix}/{name}: downloaded {human_binary(size)} ({rate_text(size, seconds)}/s)"
                )
                chunks = Snapshot(group, backup_time, [archive]).chunk_count()
                stats.add(SyncStats(bytes=size, chunk_count=chunks, elapsed=seconds))
        if existing is not None:
            snap.protected = existing.protected
        self._content.write_snapshot(p.store, target_ns, snap)
        if existing is None:
            self.glog(group, f"{prefix}: sync done")
        return stats
