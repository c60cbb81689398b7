"""What pull and push share (pbs ``src/server/sync.rs`` and friends): stats, skip
reports, namespace mapping, snapshot filters, error chains and the simulated transfer time.

Transfers are not real, so their duration is computed: a :class:`Throttle` charges each transfer
against the job's rate limit (``rate-in`` for pull, ``rate-out`` for push; a token bucket that starts
with ``burst`` bytes) and never goes faster than :data:`LINK_RATE`. Nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pbs_sim.models.backups import CLIENT_LOG_BLOB_NAME, MANIFEST_BLOB_NAME, epoch_to_rfc3339
from pbs_types.human_byte import HumanByte, SizeUnit, parse_human_byte

MAX_NAMESPACE_DEPTH = 7
LINK_RATE = 1024**3  # bytes/s of the simulated network when no rate limit applies
Namespace = tuple[str, ...]


class SyncError(Exception):
    """A task-level failure; ``raise SyncError(context) from cause`` builds an anyhow-like chain."""


def chain(exc: BaseException) -> str:
    """anyhow's ``{:#}``: every context of the chain joined by ``": "``."""
    parts = []
    current: BaseException | None = exc
    while current is not None:
        parts.append(str(current))
        current = current.__cause__
    return ": ".join(part for part in parts if part)


# --- stats -----------------------------------------------------------------------------------------
@dataclass
class SyncStats:
    """``SyncStats`` + ``RemovedVanishedStats``: what a run moved and removed (seconds simulated)."""

    bytes: int = 0
    chunk_count: int = 0
    elapsed: float = 0.0
    removed_snapshots: int | None = None
    removed_groups: int = 0
    removed_namespaces: int = 0

    def add(self, other: SyncStats) -> None:
        self.bytes += other.bytes
        self.chunk_count += other.chunk_count
        self.elapsed += other.elapsed
        if other.removed_snapshots is not None:
            self.removed_snapshots = (self.removed_snapshots or 0) + other.removed_snapshots
            self.removed_groups += other.removed_groups
            self.removed_namespaces += other.removed_namespaces

    @classmethod
    def removed(cls, snapshots: int = 0, groups: int = 0, namespaces: int = 0) -> SyncStats:
        return cls(removed_snapshots=snapshots, removed_groups=groups, removed_namespaces=namespaces)


def human_binary(size: float) -> str:
    """``HumanByte::new_binary`` (auto-scaled IEC unit) as PBS prints it."""
    bits = int(size).bit_length()
    units = [
        (51, SizeUnit.PIB),
        (41, SizeUnit.TIB),
        (31, SizeUnit.GIB),
        (21, SizeUnit.MIB),
        (11, SizeUnit.KIB),
    ]
    unit = next((u for threshold, u in units if bits >= threshold), SizeUnit.BYTE)
    return str(HumanByte(size / unit.factor, unit))


class Throttle:
    """Simulated transfer time under a rate limit (token bucket starting with ``burst`` bytes)."""

    def __init__(self, rate: str | None, burst: str | None) -> None:
        self.rate = parse_human_byte(rate).bytes if rate else None
        burst_bytes = parse_human_byte(burst).bytes if burst else self.rate
        self._tokens = float(burst_bytes or 0)

    def transfer(self, size: int) -> float:
        seconds = size / LINK_RATE
        if self.rate:
            free = min(self._tokens, size)
            self._tokens -= free
            seconds = max(seconds, (size - free) / self.rate)
        return seconds


def rate_text(size: int, seconds: float) -> str:
    return human_binary(size / seconds) if seconds > 0 else human_binary(0)


# --- reports ---------------------------------------------------------------------------------------
class SkipInfo:
    """``SkipInfo``: ``skipped: N snapshot(s) (<oldest> .. <newest>) - <reason>``."""

    ALREADY_SYNCED = "older than the newest snapshot present on sync target"
    TRANSFER_LAST = "due to transfer-last"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.times: list[int] = []

    def update(self, backup_time: int) -> None:
        self.times.append(backup_time)

    @property
    def count(self) -> int:
        return len(self.times)

    def __str__(self) -> str:
        if not self.times:
            affected = ""
        elif len(self.times) == 1:
            affected = epoch_to_rfc3339(self.times[0])
        else:
            affected = f"{epoch_to_rfc3339(min(self.times))} .. {epoch_to_rfc3339(max(self.times))}"
        return f"skipped: {self.count} snapshot(s) ({affected}) - {self.reason}"


# --- namespaces ------------------------------------------------------------------------------------
def ns_text(ns: Namespace) -> str:
    return "/".join(ns)


def store_and_ns(store: str, ns: Namespace) -> str:
    """``print_store_and_ns``."""
    if not ns:
        return f"datastore '{store}', root namespace"
    return f"datastore '{store}', namespace '{ns_text(ns)}'"


def map_prefix(ns: Namespace, source: Namespace, target: Namespace) -> Namespace:
    """``BackupNamespace::map_prefix``."""
    if ns[: len(source)] != source:
        raise SyncError(f"Failed to map namespace - {ns_text(source)} is not a valid prefix of {ns_text(ns)}")
    mapped = target + ns[len(source) :]
    if len(mapped) > MAX_NAMESPACE_DEPTH:
        raise SyncError(f"namespace too deep, {MAX_NAMESPACE_DEPTH} >= max {MAX_NAMESPACE_DEPTH}")
    return mapped


def check_namespace_depth_limit(
    source: Namespace, target: Namespace, namespaces: Iterable[Namespace]
) -> None:
    """``check_namespace_depth_limit``: the synced tree must fit below the target anchor."""
    depths = [len(ns) for ns in namespaces]
    sync_depth = max(depths) - len(source) if depths else 0
    if sync_depth + len(target) > MAX_NAMESPACE_DEPTH:
        raise SyncError(
            "Syncing would exceed max allowed namespace depth. "
            f"({sync_depth}+{len(target)} > {MAX_NAMESPACE_DEPTH})"
        )


# --- snapshot filters ------------------------------------------------------------------------------
def snapshot_name(item: dict[str, Any]) -> str:
    return f"{item['backup-type']}/{item['backup-id']}/{epoch_to_rfc3339(item['backup-time'])}"


def exclude_not_verified_or_encrypted(
    item: dict[str, Any], verified_only: bool, encrypted_only: bool
) -> bool:
    """``exclude_not_verified_or_encrypted`` on a ``SnapshotListItem``."""
    if verified_only and (item.get("verification") or {}).get("state") != "ok":
        return True
    if encrypted_only:
        for content in item.get("files", []):
            name, mode = content.get("filename"), content.get("crypt-mode")
            if name == MANIFEST_BLOB_NAME:
                ok = mode == "sign-only"
            elif name == CLIENT_LOG_BLOB_NAME:
                ok = True
            else:
                ok = mode == "encrypt"
            if not ok:
                return True
    return False


def manifest_not_verified_or_encrypted(
    manifest: dict[str, Any], verified_only: bool, encrypted_only: bool
) -> tuple[bool, bool]:
    """``ignore_not_verified_or_encrypted`` on a manifest: (ignore, because of verified-only)."""
    if verified_only:
        state = (manifest.get("unprotected") or {}).get("verify_state") or {}
        if state.get("state") != "ok":
            return True, True
    if encrypted_only and not all(f.get("crypt-mode") == "encrypt" for f in manifest.get("files", [])):
        return True, False
    return False, False


def in_progress(item: dict[str, Any]) -> bool:
    """``filter_out_in_progress``: a snapshot without a size is still being written."""
    return item.get("size") is None


class HttpError(Exception):
    """proxmox-router's ``HttpError`` as the PBS client returns it: status code, body text as message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status_text(self) -> str:
        """``StatusCode``'s display, e.g. ``401 Unauthorized``."""
        try:
            return f"{self.code} {HTTPStatus(self.code).phrase}"
        except ValueError:
            return str(self.code)
