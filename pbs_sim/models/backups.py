"""Backup content on disk: groups and snapshots per datastore and namespace, in PBS's layout.

A group lives at ``<namespace dir>/<type>/<id>/`` with an ``owner`` file (the owning auth-id, as in
PBS). Each snapshot is a directory named by its RFC 3339 UTC time holding ``manifest.json`` (the
simulator's ``index.json.blob``: archive names, sizes and crypt modes plus the ``unprotected`` section
with the verify state and notes) and, if protected, a ``.protected`` marker. There are no chunks:
archive sizes are just numbers, which is all a sync needs to count bytes. Ordering follows
pbs-api-types (types ``ct < host < vm``, numeric ids numerically). No privilege checks here.
"""

from __future__ import annotations

import calendar
import json
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbs_sim import errors, grammar
from pbs_sim.config_store import write_atomic
from pbs_sim.errors import ApiError

BACKUP_TYPES = ("vm", "ct", "host")
TYPE_ORDER = {"ct": 0, "host": 1, "vm": 2}
OWNER_FILE = "owner"
MANIFEST_FILE = "manifest.json"
PROTECTED_FILE = ".protected"
MANIFEST_BLOB_NAME = "index.json.blob"
CLIENT_LOG_BLOB_NAME = "client.log.blob"
CHUNK_SIZE = 4 * 1024 * 1024  # fixed-index chunk size (dynamic chunks average the same)
RFC3339_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def epoch_to_rfc3339(epoch: int) -> str:
    """``proxmox_time::epoch_to_rfc3339_utc``."""
    return time.strftime(RFC3339_FORMAT, time.gmtime(epoch))


def rfc3339_to_epoch(text: str) -> int:
    return calendar.timegm(time.strptime(text, RFC3339_FORMAT))


def ns_path(store_dir: Path, ns: tuple[str, ...] | list[str]) -> Path:
    """``<store>/ns/a/ns/b`` (``BackupNamespace::path`` below the datastore's base)."""
    path = store_dir
    for comp in ns:
        path = path / "ns" / comp
    return path


@dataclass(frozen=True)
class BackupGroup:
    """``<type>/<id>`` (pbs-api-types ``BackupGroup``), ordered like PBS."""

    type: str
    id: str

    @classmethod
    def parse(cls, text: str) -> BackupGroup:
        try:
            backup_type, backup_id = grammar.ids.parse_backup_group(text)
        except grammar.PbsValueError as exc:
            raise ApiError(str(exc)) from None
        return cls(backup_type, backup_id)

    def __str__(self) -> str:
        return f"{self.type}/{self.id}"

    def sort_key(self) -> tuple[int, int, int, str]:
        numeric = self.id.isascii() and self.id.isdigit() and int(self.id) < 2**64
        return (TYPE_ORDER[self.type], 0 if numeric else 1, int(self.id) if numeric else 0, self.id)

    def as_params(self) -> dict[str, str]:
        return {"backup-type": self.type, "backup-id": self.id}


@dataclass
class Snapshot:
    """One backup snapshot: its manifest (archives, verify state, notes) and protection."""

    group: BackupGroup
    time: int
    files: list[dict[str, Any]] = field(default_factory=list)  # {"filename", "size", "crypt-mode"}
    unprotected: dict[str, Any] = field(default_factory=dict)  # "verify_state", "notes", "key-fingerprint"
    protected: bool = False

    @property
    def time_string(self) -> str:
        return epoch_to_rfc3339(self.time)

    @property
    def dir_name(self) -> str:
        """``vm/100/2024-05-01T00:00:00Z`` (``BackupDir``'s display)."""
        return f"{self.group}/{self.time_string}"

    @property
    def encrypted(self) -> bool:
        return bool(self.files) and all(f.get("crypt-mode") == "encrypt" for f in self.files)

    @property
    def verify_state(self) -> str | None:
        state = self.unprotected.get("verify_state")
        return state.get("state") if isinstance(state, dict) else None

    def content_files(self) -> list[dict[str, Any]]:
        """``get_all_snapshot_files``: the manifest blob first, then the archives."""
        manifest_mode = "sign-only" if self.encrypted else "none"
        manifest_size = len(json.dumps(self.manifest()))
        return [
            {"filename": MANIFEST_BLOB_NAME, "crypt-mode": manifest_mode, "size": manifest_size},
            *self.files,
        ]

    @property
    def size(self) -> int:
        return sum(f.get("size", 0) for f in self.content_files())

    def list_item(self, owner: str | None) -> dict[str, Any]:
        """``SnapshotListItem`` (``backup_info_to_snapshot_list_item``)."""
        item: dict[str, Any] = {**self.group.as_params(), "backup-time": self.time}
        notes = self.unprotected.get("notes")
        if isinstance(notes, str) and notes:
            item["comment"] = notes.splitlines()[0]
        if isinstance(self.unprotected.get("verify_state"), dict):
            item["verification"] = self.unprotected["verify_state"]
        if "key-fingerprint" in self.unprotected:
            item["fingerprint"] = self.unprotected["key-fingerprint"]
        item["files"] = self.content_files()
        item["size"] = self.size
        if owner is not None:
            item["owner"] = owner
        item["protected"] = self.protected
        return item

    def manifest(self) -> dict[str, Any]:
        """The manifest as PBS writes ``index.json.blob`` (what a sync transfers)."""
        return {
            **self.group.as_params(),
            "backup-time": self.time,
            "files": [dict(f) for f in self.files],
            "unprotected": dict(self.unprotected),
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Snapshot:
        group = BackupGroup(str(manifest["backup-type"]), str(manifest["backup-id"]))
        if group.type not in BACKUP_TYPES:
            raise ApiError(f"invalid backup type {json.dumps(group.type)}")
        files = [dict(f) for f in manifest.get("files", [])]
        return cls(group, int(manifest["backup-time"]), files, dict(manifest.get("unprotected") or {}))

    def index_archives(self) -> list[dict[str, Any]]:
        return [f for f in self.files if f["filename"].endswith((".fidx", ".didx"))]

    def chunk_count(self) -> int:
        return sum(-(-int(f.get("size", 0)) // CHUNK_SIZE) for f in self.index_archives())


@dataclass
class DeleteStats:
    """``BackupGroupDeleteStats`` (what a group/namespace removal reports)."""

    removed_groups: int = 0
    protected_snapshots: int = 0
    removed_snapshots: int = 0

    def add(self, other: DeleteStats) -> None:
        self.removed_groups += other.removed_groups
        self.protected_snapshots += other.protected_snapshots
        self.removed_snapshots += other.removed_snapshots

    def all_removed(self) -> bool:
        return self.protected_snapshots == 0

    def as_dict(self) -> dict[str, int]:
        return {
            "protected-snapshots": self.protected_snapshots,
            "removed-groups": self.removed_groups,
            "removed-snapshots": self.removed_snapshots,
        }


class BackupStore:
    """Groups and snapshots under ``<data>/datastores/<store>``; one lock serialises writers."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.lock = threading.RLock()

    # --- paths -----------------------------------------------------------------------------------
    def ns_dir(self, store: str, ns: tuple[str, ...] | list[str]) -> Path:
        return ns_path(self.base / store, ns)

    def group_dir(self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup) -> Path:
        return self.ns_dir(store, ns) / group.type / group.id

    def snapshot_dir(self, store: str, ns: tuple[str, ...] | list[str], snap: Snapshot) -> Path:
        return self.group_dir(store, ns, snap.group) / snap.time_string

    # --- reading ---------------------------------------------------------------------------------
    def groups(self, store: str, ns: tuple[str, ...] | list[str]) -> list[BackupGroup]:
        """The groups of one namespace in PBS order; a missing namespace is an I/O error like PBS's."""
        base = self.ns_dir(store, ns)
        if not base.is_dir():
            raise ApiError(errors.ENOENT)
        found = []
        for backup_type in BACKUP_TYPES:
            type_dir = base / backup_type
            if not type_dir.is_dir():
                continue
            for id_dir in type_dir.iterdir():
                if id_dir.is_dir() and (id_dir / OWNER_FILE).is_file():
                    found.append(BackupGroup(backup_type, id_dir.name))
        return sorted(found, key=BackupGroup.sort_key)

    def group_exists(self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup) -> bool:
        return (self.group_dir(store, ns, group) / OWNER_FILE).is_file()

    def owner(self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup) -> str | None:
        try:
            return (self.group_dir(store, ns, group) / OWNER_FILE).read_text().strip() or None
        except (FileNotFoundError, NotADirectoryError):
            return None

    def snapshots(self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup) -> list[Snapshot]:
        """All snapshots of a group, oldest first."""
        group_dir = self.group_dir(store, ns, group)
        if not group_dir.is_dir():
            return []
        result = []
        for snap_dir in group_dir.iterdir():
            manifest_path = snap_dir / MANIFEST_FILE
            if not manifest_path.is_file():
                continue
            snap = Snapshot.from_manifest(json.loads(manifest_path.read_text()))
            snap.protected = (snap_dir / PROTECTED_FILE).exists()
            result.append(snap)
        return sorted(result, key=lambda s: s.time)

    def snapshot(
        self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup, backup_time: int
    ) -> Snapshot | None:
        for snap in self.snapshots(store, ns, group):
            if snap.time == backup_time:
                return snap
        return None

    def last_backup_time(self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup) -> int | None:
        snaps = self.snapshots(store, ns, group)
        return snaps[-1].time if snaps else None

    # --- writing ---------------------------------------------------------------------------------
    def create_group(
        self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup, owner: str
    ) -> str:
        """``create_locked_backup_group``: make the group owned by ``owner`` unless it exists; its owner."""
        with self.lock:
            existing = self.owner(store, ns, group)
            if existing is not None:
                return existing
            group_dir = self.group_dir(store, ns, group)
            group_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(group_dir / OWNER_FILE, f"{owner}\n".encode(), 0o644)
            return owner

    def set_owner(self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup, owner: str) -> None:
        with self.lock:
            group_dir = self.group_dir(store, ns, group)
            group_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(group_dir / OWNER_FILE, f"{owner}\n".encode(), 0o644)

    def write_snapshot(self, store: str, ns: tuple[str, ...] | list[str], snap: Snapshot) -> None:
        """Store (or replace) a snapshot; its group must exist."""
        with self.lock:
            snap_dir = self.snapshot_dir(store, ns, snap)
            snap_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(snap_dir / MANIFEST_FILE, json.dumps(snap.manifest(), indent=2).encode(), 0o644)
            marker = snap_dir / PROTECTED_FILE
            if snap.protected:
                marker.touch()
            else:
                marker.unlink(missing_ok=True)

    def remove_snapshot(self, store: str, ns: tuple[str, ...] | list[str], snap: Snapshot) -> None:
        """``BackupDir::destroy`` without force: protected snapshots stay."""
        with self.lock:
            if snap.protected:
                raise ApiError(errors.PROTECTED_SNAPSHOT)
            shutil.rmtree(self.snapshot_dir(store, ns, snap), ignore_errors=True)

    def remove_group(self, store: str, ns: tuple[str, ...] | list[str], group: BackupGroup) -> DeleteStats:
        """``remove_backup_group``: every unprotected snapshot; the group goes if nothing is left."""
        stats = DeleteStats()
        with self.lock:
            for snap in self.snapshots(store, ns, group):
                if snap.protected:
                    stats.protected_snapshots += 1
                    continue
                shutil.rmtree(self.snapshot_dir(store, ns, snap), ignore_errors=True)
                stats.removed_snapshots += 1
            if stats.all_removed():
                shutil.rmtree(self.group_dir(store, ns, group), ignore_errors=True)
                type_dir = self.group_dir(store, ns, group).parent
                if type_dir.is_dir() and not any(type_dir.iterdir()):
                    type_dir.rmdir()
                stats.removed_groups = 1
        return stats

    def remove_namespace_groups(self, store: str, ns: tuple[str, ...] | list[str]) -> DeleteStats:
        """All groups of one namespace (``remove_namespace_groups``)."""
        stats = DeleteStats()
        if not self.ns_dir(store, ns).is_dir():
            return stats
        for group in self.groups(store, ns):
            stats.add(self.remove_group(store, ns, group))
        return stats

    def has_groups(self, store: str, ns: tuple[str, ...] | list[str]) -> bool:
        return self.ns_dir(store, ns).is_dir() and bool(self.groups(store, ns))
