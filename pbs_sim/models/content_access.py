"""PBS's rules for datastore content: who may list, delete, read and write groups and snapshots.

Follows pbs ``src/api2/admin/datastore.rs`` (``list_groups``, ``list_snapshots``, ``delete_group``,
``delete_snapshot`` with ``check_ns_privs_full`` and ``check_backup_owner``), ``src/backup/hierarchy.rs``
(``ListAccessibleBackupGroups``) and the permission/owner checks of the two HTTP/2 protocols,
``src/api2/reader`` and ``src/api2/backup`` (``upgrade_to_backup_protocol``). The protocols themselves
are collapsed: a reader session returns the snapshot's manifest, a backup session receives one. Each
session still runs as a ``reader``/``backup`` task on this server, as in PBS.
"""

from __future__ import annotations

import json
from typing import Any

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import is_token, user_of
from pbs_sim.models.backups import BACKUP_TYPES, BackupGroup, BackupStore, Snapshot
from pbs_sim.models.datastores import DatastoreStore, ns_components
from pbs_sim.models.permissions import PermissionResolver, priv_names_in_order
from pbs_sim.models.tasks import TaskManager, WorkerTask

READER_PROTOCOL = "proxmox-backup-reader-protocol-v1"
BACKUP_PROTOCOL = "proxmox-backup-protocol-v1"


def is_correct_owner(owner: str, auth_id: str) -> bool:
    """``check_backup_owner``: the owner itself, or the user of an owning token."""
    return owner == auth_id or (is_token(owner) and user_of(owner) == auth_id)


def check_backup_owner(owner: str, auth_id: str) -> None:
    if not is_correct_owner(owner, auth_id):
        raise errors.backup_owner_check_failed(auth_id, owner)


def acl_path(store: str, ns: list[str]) -> list[str]:
    return ["datastore", store, *ns]


class ContentAccess:
    def __init__(self, datastores: DatastoreStore, perms: PermissionResolver, tasks: TaskManager) -> None:
        self._datastores = datastores
        self.content: BackupStore = datastores.content
        self._perms = perms
        self._tasks = tasks

    # --- privilege helpers -----------------------------------------------------------------------
    def check_ns_privs_full(
        self, auth_id: str, store: str, ns: list[str], full: tuple[str, ...], partial: tuple[str, ...]
    ) -> bool:
        """True if only ``partial`` privileges are held (ownership must be checked next), else 403."""
        privs = self._perms.lookup(auth_id, acl_path(store, ns))
        if privs & set(full):
            return False
        if privs & set(partial):
            return True
        names = "|".join(priv_names_in_order({*full, *partial}))
        raise errors.namespace_forbidden(names, "/" + "/".join(acl_path(store, ns)))

    def accessible_groups(
        self, auth_id: str, store: str, ns: list[str], override_priv: str, owner_and_priv: str
    ) -> list[BackupGroup]:
        """``ListAccessibleBackupGroups`` for one namespace: all groups with ``override_priv``, owned
        ones with ``owner_and_priv``, none otherwise."""
        privs = self._perms.lookup(auth_id, acl_path(store, ns))
        if override_priv in privs:
            return self.content.groups(store, ns)
        if owner_and_priv not in privs:
            return []
        return [
            group
            for group in self.content.groups(store, ns)
            if is_correct_owner(self.content.owner(store, ns, group) or "", auth_id)
        ]

    def _limited_owner_check(
        self, limited: bool, auth_id: str, store: str, ns: list[str], group: BackupGroup
    ) -> None:
        if not limited:
            return
        owner = self.content.owner(store, ns, group)
        if owner is None:
            raise errors.group_does_not_exist(str(self.content.group_dir(store, ns, group)))
        check_backup_owner(owner, auth_id)

    # --- listing ---------------------------------------------------------------------------------
    def list_groups(self, auth_id: str, store: str, ns_text: str | None) -> list[dict[str, Any]]:
        ns = ns_components(ns_text)
        list_all = not self.check_ns_privs_full(
            auth_id, store, ns, ("Datastore.Audit",), ("Datastore.Backup",)
        )
        self._datastores.require(store)
        result = []
        for group in self.content.groups(store, ns):
            owner = self.content.owner(store, ns, group)
            if owner is None or (not list_all and not is_correct_owner(owner, auth_id)):
                continue
            snaps = self.content.snapshots(store, ns, group)
            last = snaps[-1] if snaps else None
            result.append(
                {
                    **group.as_params(),
                    "last-backup": last.time if last else 0,
                    "backup-count": len(snaps),
                    "files": [f["filename"] for f in last.content_files()] if last else [],
                    "owner": owner,
                }
            )
        return result

    def list_snapshots(
        self,
        auth_id: str,
        store: str,
        ns_text: str | None,
        backup_type: str | None,
        backup_id: str | None,
    ) -> list[dict[str, Any]]:
        ns = ns_components(ns_text)
        list_all = not self.check_ns_privs_full(
            auth_id, store, ns, ("Datastore.Audit",), ("Datastore.Backup",)
        )
        self._datastores.require(store)
        if backup_type is not None and backup_id is not None:
            groups = [BackupGroup(backup_type, backup_id)]
        elif backup_type is not None:
            groups = [g for g in self.content.groups(store, ns) if g.type == backup_type]
        elif backup_id is not None:
            groups = [
                BackupGroup(t, backup_id)
                for t in BACKUP_TYPES
                if self.content.group_exists(store, ns, BackupGroup(t, backup_id))
            ]
        else:
            groups = self.content.groups(store, ns)
        result = []
        for group in groups:
            owner = self.content.owner(store, ns, group)
            if owner is None or (not list_all and not is_correct_owner(owner, auth_id)):
                continue
            result.extend(snap.list_item(owner) for snap in self.content.snapshots(store, ns, group))
        return result

    # --- deletion --------------------------------------------------------------------------------
    def delete_group(
        self, auth_id: str, store: str, ns_text: str | None, group: BackupGroup, error_on_protected: bool
    ) -> dict[str, int]:
        ns = ns_components(ns_text)
        limited = self.check_ns_privs_full(auth_id, store, ns, ("Datastore.Modify",), ("Datastore.Prune",))
        self._datastores.require(store)
        self._limited_owner_check(limited, auth_id, store, ns, group)
        if not self.content.group_exists(store, ns, group):
            raise errors.group_does_not_exist(str(self.content.group_dir(store, ns, group)))
        stats = self.content.remove_group(store, ns, group)
        if not stats.all_removed() and error_on_protected:
            raise ApiError(errors.GROUP_PARTIALLY_DELETED)
        return stats.as_dict()

    def delete_snapshot(
        self, auth_id: str, store: str, ns_text: str | None, group: BackupGroup, backup_time: int
    ) -> None:
        ns = ns_components(ns_text)
        limited = self.check_ns_privs_full(auth_id, store, ns, ("Datastore.Modify",), ("Datastore.Prune",))
        self._datastores.require(store)
        self._limited_owner_check(limited, auth_id, store, ns, group)
        snap = self.content.snapshot(store, ns, group, backup_time)
        if snap is None:
            raise errors.delete_snapshot_failed(errors.ENOENT)
        try:
            self.content.remove_snapshot(store, ns, snap)
        except ApiError as exc:
            raise errors.delete_snapshot_failed(exc.message) from None

    # --- reader / backup sessions ----------------------------------------------------------------
    @staticmethod
    def _check_upgrade(upgrade: str | None, protocol: str) -> None:
        if upgrade is None:
            raise ApiError(errors.MISSING_UPGRADE_HEADER)
        if upgrade != protocol:
            raise ApiError(errors.INVALID_PROTOCOL)

    def _snapshot_path(self, store: str, ns: list[str], snap: Snapshot) -> str:
        base = str(self._datastores.require(store).get("path", ""))
        rel = "".join(f"ns/{comp}/" for comp in ns)
        return f"{base.rstrip('/')}/{rel}{snap.dir_name}"

    def _task(self, worker_type: str, worker_id: str, auth_id: str, lines: list[str]) -> None:
        def body(worker: WorkerTask) -> None:
            for line in lines:
                worker.log(line)

        self._tasks.spawn(worker_type, worker_id, auth_id, body)

    def read_snapshot(
        self,
        auth_id: str,
        store: str,
        ns_text: str | None,
        group: BackupGroup,
        backup_time: int,
        upgrade: str | None,
    ) -> dict[str, Any]:
        """``upgrade_to_backup_reader_protocol``'s checks; the session's result is the manifest."""
        ns = ns_components(ns_text)
        privs = self._perms.lookup(auth_id, acl_path(store, ns))
        priv_read = "Datastore.Read" in privs
        if not priv_read and "Datastore.Backup" not in privs:
            raise errors.reader_no_permissions("/" + "/".join(acl_path(store, ns)))
        self._datastores.require(store)
        self._check_upgrade(upgrade, READER_PROTOCOL)
        if not priv_read:
            owner = self.content.owner(store, ns, group)
            if owner is None or not is_correct_owner(owner, auth_id):
                raise ApiError(errors.READER_OWNER_CHECK_FAILED)
        snap = self.content.snapshot(store, ns, group, backup_time)
        if snap is None:
            probe = Snapshot(group, backup_time)
            raise errors.snapshot_does_not_exist(probe.dir_name)
        self._task(
            "reader",
            f"{store}:{group}/{backup_time:08X}",
            auth_id,
            [
                f"starting new backup reader datastore '{store}': \"{self._snapshot_path(store, ns, snap)}\"",
                "reader finished successfully",
            ],
        )
        return snap.manifest()

    def write_snapshot(
        self,
        auth_id: str,
        store: str,
        ns_text: str | None,
        group: BackupGroup,
        backup_time: int,
        manifest_text: str,
        upgrade: str | None,
        client_ip: str,
    ) -> None:
        """``upgrade_to_backup_protocol``'s checks, then the whole upload as one step."""
        ns = ns_components(ns_text)
        try:
            self._perms.check(auth_id, acl_path(store, ns), "Datastore.Backup")
        except ApiError as exc:  # http_err!(FORBIDDEN, "{err}")
            raise ApiError(exc.message, 403) from None
        self._datastores.require(store)
        self._check_upgrade(upgrade, BACKUP_PROTOCOL)
        if not self._datastores.namespace_exists(store, ns):
            raise ApiError(errors.NAMESPACE_NOT_FOUND, 404)
        try:
            manifest = json.loads(manifest_text)
            snap = Snapshot.from_manifest({**manifest, **group.as_params(), "backup-time": backup_time})
        except (ValueError, KeyError, TypeError) as exc:
            raise ApiError(f"unable to parse manifest - {exc}") from None
        with self.content.lock:
            owner = self.content.create_group(store, ns, group, auth_id)
            if not is_correct_owner(owner, auth_id):
                raise errors.backup_owner_check_failed(auth_id, owner)
            previous = self.content.snapshots(store, ns, group)
            # the last backup counts unless its verification failed
            if previous and previous[-1].verify_state != "failed" and backup_time <= previous[-1].time:
                raise ApiError(errors.BACKUP_TIMESTAMP_TOO_OLD)
            if any(s.time == backup_time for s in previous):
                raise ApiError(errors.BACKUP_DIR_EXISTS)
            self.content.write_snapshot(store, ns, snap)
        path = self._snapshot_path(store, ns, snap)
        lines = [f"starting new backup on datastore '{store}' from {client_ip}: \"{path}\""]
        lines.extend(f"add archive {f['filename']} ({f.get('size', 0)} bytes)" for f in snap.files)
        lines += ["successfully finished backup", "backup finished successfully"]
        self._task("backup", f"{store}:{group}", auth_id, lines)


__all__ = ["BACKUP_PROTOCOL", "READER_PROTOCOL", "ContentAccess", "check_backup_owner", "is_correct_owner"]
