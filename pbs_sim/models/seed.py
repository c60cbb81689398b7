"""Seeding backup content (``--seed-content FILE``, ``POST /_sim/content``) and dumping it back.

A seed maps datastore names to lists of groups (JSON or YAML)::

    store1:
      - group: vm/100            # <type>/<id>, type vm|ct|host
        ns: site1/a              # optional, root if absent; created with its parents
        owner: root@pam          # optional, default root@pam
        snapshots:               # a count (daily, from 2024-05-01T00:00:00Z), a list, or
          - time: 2024-05-01T00:00:00Z   # {count, start, every, ...snapshot fields}
            size: 10 GiB         # int bytes or HumanByte text; default 1 GiB (the data archive)
            encrypted: true      # all archives crypt-mode "encrypt"; default false
            verified: true       # true/"ok", "failed", false/null (never verified)
            protected: false
            notes: "first line shows as comment"

Seeding merges: a group's owner is set, snapshots with the same time are replaced, nothing is
removed. The dump has the same shape with every field spelled out (``time`` as RFC 3339, ``size`` in
bytes of the data archive). The datastores must exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from pbs_sim import grammar
from pbs_sim.models.backups import (
    BackupGroup,
    BackupStore,
    Snapshot,
    epoch_to_rfc3339,
    rfc3339_to_epoch,
)
from pbs_sim.models.datastores import DatastoreStore, ns_components
from pbs_sim.models.tasks import Upid
from pbs_types.human_byte import parse_human_byte

DEFAULT_START = 1714521600  # 2024-05-01T00:00:00Z
DEFAULT_EVERY = 86400
DEFAULT_SIZE = 1024**3
DEFAULT_OWNER = "root@pam"
CONFIG_BLOB_SIZE = 512
CATALOG_SIZE = 64 * 1024
FAKE_KEY_FINGERPRINT = (
    "bb:41:3c:a1:5f:64:84:b3:9d:ac:23:60:e7:9e:2d:63:26:74:29:1c:71:0f:cd:01:14:ac:08:d9:b1:57:23:27"
)


class SeedError(ValueError):
    """A seed that cannot be applied (the message says where)."""


def parse_seed_text(text: str) -> Any:
    """JSON or YAML text (YAML is a superset, so one parser reads both)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SeedError(f"seed is neither JSON nor YAML: {exc}") from None


def _archives(backup_type: str, size: int) -> list[tuple[str, int]]:
    if backup_type == "vm":
        return [("qemu-server.conf.blob", CONFIG_BLOB_SIZE), ("drive-scsi0.img.fidx", size)]
    if backup_type == "ct":
        return [
            ("pct.conf.blob", CONFIG_BLOB_SIZE),
            ("root.pxar.didx", size),
            ("catalog.pcat1.didx", CATALOG_SIZE),
        ]
    return [("root.pxar.didx", size), ("catalog.pcat1.didx", CATALOG_SIZE)]


def data_archive_size(snap: Snapshot) -> int:
    """The size a seed gave (the main data archive)."""
    sizes = [f["size"] for f in snap.files if f["filename"] in ("drive-scsi0.img.fidx", "root.pxar.didx")]
    return sizes[0] if sizes else 0


def _size(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise SeedError(f"{where}: size must be bytes or a HumanByte text")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(parse_human_byte(value).bytes)
        except grammar.PbsValueError as exc:
            raise SeedError(f"{where}: {exc}") from None
    raise SeedError(f"{where}: size must be bytes or a HumanByte text")


def _time(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise SeedError(f"{where}: time must be epoch seconds or RFC 3339 UTC")
    if isinstance(value, int):
        return value
    if hasattr(value, "timestamp"):  # YAML turns unquoted timestamps into datetimes
        return int(value.timestamp())
    if isinstance(value, str):
        try:
            return rfc3339_to_epoch(value)
        except ValueError:
            raise SeedError(f"{where}: time '{value}' is not like 2024-05-01T00:00:00Z") from None
    raise SeedError(f"{where}: time must be epoch seconds or RFC 3339 UTC")


def _verify_state(value: Any, store: str, snap_name: str, backup_time: int, where: str) -> dict | None:
    if value in (None, False):
        return None
    state = {True: "ok", "ok": "ok", "failed": "failed"}.get(value)
    if state is None:
        raise SeedError(f"{where}: verified must be true/false/'ok'/'failed'")
    upid = Upid("localhost", 1, 1, 1, backup_time + 3600, "verify", f"{store}:{snap_name}", "root@pam")
    return {"state": state, "upid": str(upid)}


def make_snapshot(store: str, group: BackupGroup, spec: dict[str, Any], where: str) -> Snapshot:
    backup_time = _time(spec.get("time"), where)
    size = _size(spec.get("size", DEFAULT_SIZE), where)
    encrypted = bool(spec.get("encrypted", False))
    mode = "encrypt" if encrypted else "none"
    files = [{"filename": name, "crypt-mode": mode, "size": n} for name, n in _archives(group.type, size)]
    unprotected: dict[str, Any] = {}
    if encrypted:
        unprotected["key-fingerprint"] = FAKE_KEY_FINGERPRINT
    snap = Snapshot(group, backup_time, files, unprotected, bool(spec.get("protected", False)))
    verify = _verify_state(spec.get("verified"), store, snap.dir_name, backup_time, where)
    if verify is not None:
        unprotected["verify_state"] = verify
    if spec.get("notes"):
        unprotected["notes"] = str(spec["notes"])
    unknown = set(spec) - {
        "time",
        "size",
        "encrypted",
        "verified",
        "protected",
        "notes",
        "count",
        "start",
        "every",
    }
    if unknown:
        raise SeedError(f"{where}: unknown snapshot field(s) {', '.join(sorted(unknown))}")
    return snap


def _snapshot_specs(value: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(value, bool):
        raise SeedError(f"{where}: snapshots must be a count, a list or {{count, ...}}")
    if isinstance(value, int):
        value = {"count": value}
    if isinstance(value, dict):
        count = value.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise SeedError(f"{where}: count must be a non-negative integer")
        start = _time(value.get("start", DEFAULT_START), where)
        every = value.get("every", DEFAULT_EVERY)
        base = {k: v for k, v in value.items() if k not in ("count", "start", "every")}
        return [{**base, "time": start + i * every} for i in range(count)]
    if isinstance(value, list):
        if not all(isinstance(item, dict) for item in value):
            raise SeedError(f"{where}: each snapshot must be a mapping")
        return value
    raise SeedError(f"{where}: snapshots must be a count, a list or {{count, ...}}")


def apply_seed(spec: Any, datastores: DatastoreStore, content: BackupStore) -> int:
    """Apply a seed (parsed JSON/YAML); returns the number of snapshots written."""
    if not isinstance(spec, dict):
        raise SeedError("seed must map datastore names to lists of groups")
    written = 0
    for store, groups in spec.items():
        if store not in datastores.names():
            raise SeedError(f"no such datastore '{store}'")
        if not isinstance(groups, list):
            raise SeedError(f"{store}: expected a list of groups")
        for index, entry in enumerate(groups):
            where = f"{store}[{index}]"
            if not isinstance(entry, dict) or "group" not in entry:
                raise SeedError(f"{where}: each group needs 'group: <type>/<id>'")
            unknown = set(entry) - {"group", "ns", "owner", "snapshots"}
            if unknown:
                raise SeedError(f"{where}: unknown group field(s) {', '.join(sorted(unknown))}")
            try:
                group = BackupGroup.parse(str(entry["group"]))
                ns = ns_components(str(entry.get("ns") or ""))
            except Exception as exc:
                raise SeedError(f"{where}: {exc}") from None
            owner = str(entry.get("owner", DEFAULT_OWNER))
            if not grammar.is_authid(owner):
                raise SeedError(f"{where}: owner '{owner}' is not an auth-id")
            snaps = [
                make_snapshot(store, group, item, f"{where}.snapshots[{i}]")
                for i, item in enumerate(_snapshot_specs(entry.get("snapshots", 1), where))
            ]
            with content.lock:
                datastores.ensure_namespace(store, ns)
                content.set_owner(store, ns, group, owner)
                for snap in snaps:
                    content.write_snapshot(store, ns, snap)
            written += len(snaps)
    return written


def dump_snapshot(snap: Snapshot) -> dict[str, Any]:
    return {
        "time": epoch_to_rfc3339(snap.time),
        "size": data_archive_size(snap),
        "encrypted": snap.encrypted,
        "verified": snap.verify_state,
        "protected": snap.protected,
    }


def dump_content(
    datastores: DatastoreStore, content: BackupStore, stores: Iterable[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Everything stored, in seed shape (namespaces in listing order, groups in PBS order)."""
    result: dict[str, list[dict[str, Any]]] = {}
    for store in stores if stores is not None else datastores.names():
        entries = []
        for ns in datastores.walk(store, [], grammar.MAX_NAMESPACE_DEPTH):
            if not datastores.namespace_exists(store, ns):
                continue
            for group in content.groups(store, ns):
                entries.append(
                    {
                        "ns": "/".join(ns),
                        "group": str(group),
                        "owner": content.owner(store, ns, group),
                        "snapshots": [dump_snapshot(s) for s in content.snapshots(store, ns, group)],
                    }
                )
        result[store] = entries
    return result
