"""Push: copy snapshots of a local datastore to another PBS over HTTPS, as pbs ``src/server/push.rs``.

``PushParameters::new`` (remote version >= 2.2, delete stats from 3.2.11) -> ``push_store`` (source
namespaces the local user may read or back up, target namespaces created when missing — needs
Remote.DatastoreModify here and Datastore.Modify over there —, vanished namespaces removed) ->
``push_namespace`` (Remote.DatastoreBackup, groups split into owned / not owned by the remote's
auth-id, vanished groups removed) -> ``push_group`` -> ``push_snapshot`` (one backup session each; the
target checks Datastore.Backup, ownership and time order with the remote's credentials). Groups not
owned by the remote user are skipped with a warning; errors end the run with
``Sync failed with some errors!``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.models.backups import BackupGroup, Snapshot, epoch_to_rfc3339
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
    store_and_ns,
)
from pbs_sim.models.sync_sources import LocalSource, RemoteTarget
from pbs_sim.models.tasks import WorkerTask
from pbs_types.group_filter import GroupFilter, apply_group_filters


@dataclass
class PushParams:
    source: LocalSource
    target: RemoteTarget
    local_user: str  # the job owner: scope and privilege checks on this side
    remove_vanished: bool
    max_depth: int | None
    group_filter: list[GroupFilter]
    encrypted_only: bool
    verified_only: bool
    transfer_last: int | None
    throttle: Throttle


class Push:
    def __init__(self, params: PushParams, perms: PermissionResolver, worker: WorkerTask) -> None:
        self.p = params
        self._perms = perms
        self._worker = worker

    def log(self, message: str) -> None:
        self._worker.log(message)

    def warn(self, message: str) -> None:
        self._worker.warn(message)

    def glog(self, group: BackupGroup, message: str) -> None:
        self._worker.log(f"[{group}]: {message}")

    def gwarn(self, group: BackupGroup, message: str) -> None:
        self._worker.warn(f"[{group}]: {message}")

    def _map(self, ns: Namespace) -> Namespace:
        return map_prefix(ns, self.p.source.ns, self.p.target.ns)

    def _check_remote_privs(self, target_ns: Namespace, priv: str, context: str) -> None:
        """``check_ns_remote_datastore_privs`` for the local user on ``/remote/{remote}/{store}/{ns}``."""
        path = ["remote", self.p.target.remote, self.p.target.store, *target_ns]
        try:
            self._perms.check(self.p.local_user, path, priv)
        except ApiError as exc:
            raise SyncError(context) from SyncError(exc.message)

    # --- store -----------------------------------------------------------------------------------
    def run(self) -> SyncStats:
        p = self.p
        version = p.target.version()
        if version < (2, 2, 0):
            raise SyncError(errors.PUSH_UNSUPPORTED_REMOTE_VERSION)
        p.target.supports_prune_delete_stats = version >= (3, 2, 11)

        wanted = {"Datastore.Read", "Datastore.Backup"}
        listed, p.max_depth = p.source.list_namespaces(p.max_depth)
        source_namespaces = [
            ns
            for ns in listed
            if self._perms.lookup(p.local_user, ["datastore", p.source.store, *ns]) & wanted
        ]
        check_namespace_depth_limit(p.source.ns, p.target.ns, source_namespaces)
        source_namespaces.sort(key=lambda ns: len(ns_text(ns)))
        try:
            existing = p.target.namespaces()
        except Exception as exc:
            context = SyncError("Fetching remote namespaces failed, remote returned error")
            context.__cause__ = exc
            raise SyncError(chain(context)) from None

        errors_seen = False
        synced: set[Namespace] = set()
        groups = snapshots = 0
        stats = SyncStats()
        for namespace in source_namespaces:
            source_str = store_and_ns(p.source.store, namespace)
            target_ns = self._map(namespace)
            target_str = store_and_ns(p.target.store, target_ns)
            self.log("----")
            self.log(f"Syncing {source_str} into {target_str}")
            synced.add(target_ns)
            try:
                self._check_or_create_target_namespace(existing, target_ns)
            except Exception as exc:
                self.warn(f"Encountered error: {chain(exc)}")
                self.warn(f"Failed to sync {source_str} into {target_str}!")
                errors_seen = True
                continue
            try:
                progress, ns_stats, ns_errors = self._push_namespace(namespace)
            except Exception as exc:
                errors_seen = True
                self.log(f"Encountered errors: {chain(exc)}")
                self.log(f"Failed to sync {source_str} into {target_str}!")
                continue
            errors_seen |= ns_errors
            stats.add(ns_stats)
            if p.max_depth != 0:
                groups += progress.done_groups
                snapshots += progress.done_snapshots
                name = "root namespace" if not namespace else f"namespace {ns_text(namespace)}"
                self.log(f"Finished syncing {name}, current progress: {groups} groups, {snapshots} snapshots")

        if p.remove_vanished:
            self._remove_vanished_namespaces(existing, synced, stats)
        if errors_seen:
            raise SyncError(errors.SYNC_FAILED_PUSH)
        return stats

    def _check_or_create_target_namespace(self, existing: list[Namespace], target_ns: Namespace) -> None:
        if not target_ns or target_ns in existing:
            return
        self._check_remote_privs(target_ns, "Remote.DatastoreModify", "Creating remote namespace not allowed")
        parent: Namespace = ()
        for component in target_ns:
            current = (*parent, component)
            if current in existing:
                parent = current
                continue
            try:
                self.p.target.create_namespace(component, parent)
            except Exception as exc:
                raise SyncError(
                    f"Creation of remote namespace {ns_text(current)} failed, remote returned error"
                ) from exc
            self.log(f"Successfully created new namespace {ns_text(current)} on remote")
            existing.append(current)
            parent = current

    def _remove_vanished_namespaces(
        self, existing: list[Namespace], synced: set[Namespace], stats: SyncStats
    ) -> None:
        p = self.p
        max_depth = p.max_depth if p.max_depth is not None else MAX_NAMESPACE_DEPTH
        anchor = p.target.ns
        below = [ns for ns in existing if ns[: len(anchor)] == anchor and len(ns) - len(anchor) <= max_depth]
        below.sort(key=lambda ns: len(ns_text(ns)), reverse=True)
        for target_ns in below:
            if target_ns in synced:
                continue
            try:
                if not target_ns:
                    raise SyncError("Cannot remove root namespace from remote")
                self._check_remote_privs(
                    target_ns, "Remote.DatastoreModify", "Pruning remote datastore namespaces not allowed"
                )
                try:
                    deleted = p.target.remove_namespace(target_ns)
                except Exception as exc:
                    raise SyncError(
                        f"Failed to remove remote namespace {ns_text(target_ns)}, remote returned error"
                    ) from exc
            except Exception as exc:
                self.warn(f"Encountered errors: {chain(exc)}")
                self.warn(f"Failed to remove vanished namespace {ns_text(target_ns)} from remote!")
                continue
            stats.add(
                SyncStats.removed(
                    snapshots=deleted.get("removed-snapshots", 0),
                    groups=deleted.get("removed-groups", 0),
                    namespaces=1,
                )
            )
            if deleted.get("protected-snapshots", 0) > 0:
                self.warn(
                    f"Kept {deleted['protected-snapshots']} protected snapshots of remote namespace "
                    f"{ns_text(target_ns)}"
                )
                continue
            self.log(f"Successfully removed vanished namespace {ns_text(target_ns)} from remote")
        if not p.target.supports_prune_delete_stats:
            self.log("Older api version on remote detected, deletion statistics might be incomplete")

    # --- namespace -------------------------------------------------------------------------------
    def _push_namespace(self, namespace: Namespace) -> tuple[StoreProgress, SyncStats, bool]:
        p = self.p
        target_ns = self._map(namespace)
        self._check_remote_privs(
            target_ns, "Remote.DatastoreBackup", "Pushing to remote namespace not allowed"
        )
        listed = sorted(p.source.list_groups(namespace, p.local_user), key=BackupGroup.sort_key)
        groups = [g for g in listed if apply_group_filters(str(g), p.group_filter)]
        self.log(f"Found {len(groups)} groups to sync (out of {len(listed)} total)")

        try:
            items = p.target.groups(target_ns)
        except Exception as exc:
            raise SyncError("Failed to fetch remote groups, remote returned error") from exc
        owned: list[BackupGroup] = []
        not_owned: set[BackupGroup] = set()
        for item in items:
            group = BackupGroup(item["backup-type"], item["backup-id"])
            if item.get("owner") == p.target.auth_id:
                owned.append(group)
            else:
                not_owned.add(group)
        owned.sort(key=BackupGroup.sort_key)

        found_errors = False
        synced: set[BackupGroup] = set()
        progress = StoreProgress(len(groups))
        stats = SyncStats()
        for group in groups:
            try:
                if group in not_owned:
                    self.gwarn(
                        group,
                        f"Group '{group}' not owned by remote user '{p.target.auth_id}' on target, "
                        "skipping upload",
                    )
                else:
                    synced.add(group)
                    try:
                        stats.add(self._push_group(namespace, group, progress))
                    except Exception as exc:
                        self.gwarn(group, f"Encountered errors: {chain(exc)}")
                        self.gwarn(group, f"Failed to push group {group} to remote!")
                        raise
            except Exception:
                found_errors = True
            progress.done_groups += 1

        if p.remove_vanished:
            for group in owned:
                if group in synced or not apply_group_filters(str(group), p.group_filter):
                    continue
                try:
                    self._check_remote_privs(
                        target_ns, "Remote.DatastorePrune", "Pruning remote datastore contents not allowed"
                    )
                    try:
                        deleted = p.target.remove_group(target_ns, group)
                    except Exception as exc:
                        raise SyncError(
                            f"Failed to remove remote group {group}, remote returned error"
                        ) from exc
                except Exception as exc:
                    self.warn(f"Encountered errors: {chain(exc)}")
                    self.warn(f"Failed to remove vanished group {group} from remote!")
                    found_errors = True
                    continue
                self.log(f"Removed vanished group {group} from remote")
                if deleted.get("protected-snapshots", 0) > 0:
                    self.warn(
                        f"Kept {deleted['protected-snapshots']} protected snapshots of group {group} "
                        "on remote"
                    )
                stats.add(
                    SyncStats.removed(
                        snapshots=deleted.get("removed-snapshots", 0), groups=deleted.get("removed-groups", 0)
                    )
                )
        return progress, stats, found_errors

    # --- group -----------------------------------------------------------------------------------
    def _push_group(self, namespace: Namespace, group: BackupGroup, outer: StoreProgress) -> SyncStats:
        p = self.p
        items = []
        for item in p.source.list_snapshots(namespace, group):
            if in_progress(item):
                self.glog(
                    group,
                    f"skipping snapshot {group}/{epoch_to_rfc3339(item['backup-time'])} - in-progress backup",
                )
            else:
                items.append(item)
        items.sort(key=lambda item: item["backup-time"])
        if not items:
            self.glog(group, f"Group '{group}' contains no snapshots to sync to remote")
        target_ns = self._map(namespace)
        try:
            target_items = sorted(p.target.snapshots(target_ns, group), key=lambda item: item["backup-time"])
        except Exception as exc:
            raise SyncError("Failed to fetch remote snapshots, remote returned error") from exc
        last_time = target_items[-1]["backup-time"] if target_items else None

        kept = [
            item["backup-time"]
            for item in items
            if not exclude_not_verified_or_encrypted(item, p.verified_only, p.encrypted_only)
        ]
        cutoff = max(len(kept) - p.transfer_last, 0) if p.transfer_last else 0
        already_synced = SkipInfo(SkipInfo.ALREADY_SYNCED)
        transfer_last = SkipInfo(SkipInfo.TRANSFER_LAST)
        source_times: set[int] = set()
        todo = []
        for pos, backup_time in enumerate(kept):
            source_times.add(backup_time)
            if last_time is not None and last_time >= backup_time:
                already_synced.update(backup_time)
                continue
            if pos < cutoff:
                transfer_last.update(backup_time)
                continue
            todo.append(backup_time)
        for info in (already_synced, transfer_last):
            if info.count:
                self.glog(group, str(info))

        progress = StoreProgress(outer.total_groups, outer.done_groups, group_snapshots=len(todo))
        stats = SyncStats()
        for pos, backup_time in enumerate(todo):
            prefix = epoch_to_rfc3339(backup_time)
            self.glog(group, f"{prefix}: start sync")
            snap_stats = self._push_snapshot(namespace, group, backup_time, prefix)
            progress.done_snapshots = pos + 1
            self.glog(group, f"{prefix}: sync done")
            self.glog(group, f"percentage done: {progress}")
            stats.add(snap_stats)

        if p.remove_vanished:
            for item in target_items:
                name = f"{group}/{epoch_to_rfc3339(item['backup-time'])}"
                if item["backup-time"] in source_times:
                    continue
                if item.get("protected"):
                    self.glog(group, f"Kept protected snapshot {name} on remote")
                    continue
                try:
                    self._check_remote_privs(
                        target_ns, "Remote.DatastorePrune", "Pruning remote datastore contents not allowed"
                    )
                    try:
                        p.target.forget_snapshot(target_ns, item)
                    except Exception as exc:
                        raise SyncError("Failed to remove remote snapshot, remote returned error") from exc
                    self.glog(group, f"Removed vanished snapshot {name} from remote")
                except Exception as exc:
                    self.gwarn(group, f"Encountered errors: {chain(exc)}")
                    self.gwarn(group, f"Failed to remove vanished snapshot {name} from remote!")
                stats.add(SyncStats.removed(snapshots=1))
        return stats

    # --- snapshot --------------------------------------------------------------------------------
    def _push_snapshot(
        self, namespace: Namespace, group: BackupGroup, backup_time: int, prefix: str
    ) -> SyncStats:
        p = self.p
        manifest: dict[str, Any] | None = p.source.read_manifest(namespace, group, backup_time)
        if manifest is None:
            self.gwarn(group, f"{prefix}: Encountered errors: {errors.ENOENT}")
            self.gwarn(group, f"{prefix}: Failed to load manifest!")
            return SyncStats()
        ignore, not_verified = manifest_not_verified_or_encrypted(manifest, p.verified_only, p.encrypted_only)
        if ignore:
            if not_verified:
                self.log(f"Snapshot {group}/{prefix} not verified but verified-only set, snapshot skipped")
            return SyncStats()
        snap = Snapshot.from_manifest(manifest)
        try:
            p.target.upload(self._map(namespace), snap)  # the backup session: checks happen over there
        except Exception as exc:
            raise SyncError(prefix) from exc
        stats = SyncStats()
        for archive in snap.files:
            name = archive["filename"]
            size = int(archive.get("size", 0))
            self.glog(group, f"{prefix}: sync archive {name}")
            seconds = p.throttle.transfer(size)
            self.glog(group, f"{prefix}/{name}: uploaded {human_binary(size)} ({rate_text(size, seconds)}/s)")
            chunks = Snapshot(group, backup_time, [archive]).chunk_count()
            stats.add(SyncStats(bytes=size, chunk_count=chunks, elapsed=seconds))
        return stats
