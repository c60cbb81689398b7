"""The PBS sync job (`/config/sync/{id}`): all fields of PBS 4.2's `SyncJobConfig`, declared once.

Source: `SyncJobConfig` and `GroupFilter` in `pbs-api-types/src/jobs.rs`, `proxmox-human-byte`
(proxmox-rs), the checks of proxmox-backup's `src/api2/config/sync.rs`. `store`/`ns` are always
the local side and `remoteStore`/`remoteNs` the other side, for both directions. The status facts
(`nextRun`, `lastRun*`) come from `GET /admin/sync`.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field

from pbs_types.ids import ROOT_USERID, InvalidId, check_namespace_max_depth

from .base import AdoptablePbsObject
from .field import PbsField
from .messages import Failure
from .rules import RuleResult, VersionRequirement, cross_field_rule
from .types import (
    AuthIdText,
    ByteSize,
    CalendarEvent,
    Comment,
    CryptKeyId,
    DatastoreName,
    GroupFilter,
    Integer,
    JobId,
    MaxDepth,
    Namespace,
    RemoteName,
    SyncDirection,
)

LOCAL_SYNC_SINCE = "3.0.5"
EXCLUDE_FILTER_SINCE = "3.1.3"


def _none_if_empty(items: list[str] | None) -> list[str] | None:
    return items or None


def _as_set(items: list[str]) -> frozenset[str]:
    return frozenset(items)


class SyncJobSchema(AdoptablePbsObject):
    """A sync job: pulls from or pushes to a remote (or pulls from another local datastore)."""

    noun: ClassVar[str] = "sync job"

    job_id: Annotated[JobId, PbsField(pbs_name="id", identity=True, replace_on_change=True)] = Field(
        description="Id of the job in PBS (`id`; renamed because Pulumi reserves `id`). Changing it "
        "creates a new job."
    )
    store: Annotated[DatastoreName, PbsField()] = Field(
        description="Local datastore: the target of a pull, the source of a push."
    )
    remote: Annotated[RemoteName | None, PbsField()] = Field(
        default=None,
        description="Remote to sync with. Unset: a local sync from datastore `remoteStore` of this "
        "server (pull only, PBS ≥ 3.0.5).",
    )
    remote_store: Annotated[DatastoreName, PbsField()] = Field(
        description="Datastore on the other side (for a local sync: the local source datastore)."
    )
    sync_direction: Annotated[SyncDirection | None, PbsField(since="3.2.11", default="pull")] = Field(
        default=None, description="`pull` (the default) or `push`."
    )
    ns: Annotated[Namespace | None, PbsField(since="2.2.0")] = Field(
        default=None, description='Local namespace anchor; unset or `""` is the root namespace.'
    )
    remote_ns: Annotated[Namespace | None, PbsField(since="2.2.0")] = Field(
        default=None, description='Namespace anchor on the other side; unset or `""` is the root.'
    )
    owner: Annotated[AuthIdText | None, PbsField(default=ROOT_USERID)] = Field(
        default=None,
        description="Pull: owner of the synced backup groups. Push: local user whose view of the "
        "datastore is pushed. PBS assumes `root@pam` when unset.",
    )
    remove_vanished: Annotated[bool | None, PbsField(default=False)] = Field(
        default=None,
        description="Delete groups, snapshots and namespaces on the target that vanished on the source.",
    )
    max_depth: Annotated[MaxDepth | None, PbsField(since="2.2.0")] = Field(
        default=None,
        description="Namespace levels below the anchors to sync (0 = the anchor only); unset = all. "
        "The depth of `ns` and of `remoteNs` plus `maxDepth` must not exceed 7.",
    )
    group_filter: Annotated[
        list[GroupFilter] | None, AfterValidator(_none_if_empty), PbsField(since="2.1.0", compare=_as_set)
    ] = Field(
        default=None,
        description="Backup groups to sync: a group must match one include filter (if any) and no "
        "`exclude:` filter (PBS ≥ 3.1.3). Order does not matter.",
    )
    schedule: Annotated[CalendarEvent | None, PbsField()] = Field(
        default=None, description="When the job runs (PBS calendar event); unset = only when started by hand."
    )
    comment: Annotated[Comment | None, PbsField()] = Field(default=None, description="Free-text comment.")
    rate_in: Annotated[ByteSize | None, PbsField(since="2.1.1")] = Field(
        default=None, description="Rate limit for incoming traffic per second (pull)."
    )
    burst_in: Annotated[ByteSize | None, PbsField(since="2.1.1")] = Field(
        default=None, description="Burst size for incoming traffic (pull)."
    )
    rate_out: Annotated[ByteSize | None, PbsField(since="2.1.1")] = Field(
        default=None, description="Rate limit for outgoing traffic per second (push)."
    )
    burst_out: Annotated[ByteSize | None, PbsField(since="2.1.1")] = Field(
        default=None, description="Burst size for outgoing traffic (push)."
    )
    transfer_last: Annotated[Integer | None, Field(ge=1), PbsField(since="2.4.2")] = Field(
        default=None, description="Only sync the newest N snapshots of each group."
    )
    resync_corrupt: Annotated[
        bool | None, PbsField(since="3.2.12", default=False, deletable=False, reset_to=False)
    ] = Field(
        default=None,
        description="Pull only: fetch snapshots again whose last verification failed. PBS cannot "
        "delete this setting; removing it sets it to false.",
    )
    encrypted_only: Annotated[bool | None, PbsField(since="3.3.7", default=False)] = Field(
        default=None, description="Only sync encrypted snapshots."
    )
    verified_only: Annotated[bool | None, PbsField(since="3.3.7", default=False)] = Field(
        default=None, description="Only sync verified snapshots."
    )
    run_on_mount: Annotated[bool | None, PbsField(since="4.0.4", default=False)] = Field(
        default=None, description="Run the job when a removable datastore it uses is mounted."
    )
    unmount_on_done: Annotated[bool | None, PbsField(since="4.0.20", default=False)] = Field(
        default=None, description="Unmount the datastore after a mount-triggered run; needs `runOnMount`."
    )
    worker_threads: Annotated[Integer | None, Field(ge=1, le=32), PbsField(since="4.1.8", default=1)] = Field(
        default=None, description="Backup groups processed in parallel (1-32; PBS uses 1 when unset)."
    )
    active_encryption_key: Annotated[CryptKeyId | None, PbsField(since="4.1.9")] = Field(
        default=None,
        description="Push only: encrypt unencrypted snapshots with this server-side key. PBS moves a "
        "replaced key into `associatedKey`.",
    )
    associated_key: Annotated[
        list[CryptKeyId] | None, AfterValidator(_none_if_empty), PbsField(since="4.1.9", compare=_as_set)
    ] = Field(default=None, description="Further key ids: decryption keys (pull) or rotated-out keys (push).")

    next_run: Annotated[int | None, PbsField(output_only=True)] = Field(
        default=None, description="Next scheduled run (Unix time), from `GET /admin/sync`."
    )
    last_run_state: Annotated[str | None, PbsField(output_only=True)] = Field(
        default=None, description="Result of the last run: `OK`, `WARNINGS: n` or the error message."
    )
    last_run_upid: Annotated[str | None, PbsField(output_only=True)] = Field(
        default=None, description="Task id (UPID) of the last run."
    )
    last_run_endtime: Annotated[int | None, PbsField(output_only=True)] = Field(
        default=None, description="When the last run ended (Unix time)."
    )

    # ---- derived facts ---------------------------------------------------------------------

    @property
    def is_push(self) -> bool:
        return self.sync_direction == "push"

    @property
    def is_local(self) -> bool:
        return self.remote is None

    # ---- cross-field rules (src/api2/config/sync.rs) -----------------------------------------

    @cross_field_rule("sync_direction", "remote")
    def _push_needs_remote(self) -> RuleResult:
        if self.is_push and self.is_local:
            return Failure("remote", "`remote` is required for a push job (`syncDirection: push`)")
        return None

    @cross_field_rule("sync_direction", "resync_corrupt")
    def _push_rejects_resync_corrupt(self) -> RuleResult:
        if self.is_push and self.resync_corrupt is not None:
            return Failure(
                "resyncCorrupt",
                "`resyncCorrupt` is not supported by push jobs (PBS refuses it even when false): remove it",
            )
        return None

    @cross_field_rule("sync_direction", "active_encryption_key")
    def _encryption_key_push_only(self) -> RuleResult:
        if not self.is_push and self.active_encryption_key is not None:
            return Failure("activeEncryptionKey", "`activeEncryptionKey` only applies to push jobs")
        return None

    @cross_field_rule("unmount_on_done", "run_on_mount")
    def _unmount_needs_run_on_mount(self) -> RuleResult:
        if self.unmount_on_done and not self.run_on_mount:
            return Failure("unmountOnDone", "`unmountOnDone` can only be set when `runOnMount` is true")
        return None

    @cross_field_rule("remote", "store", "remote_store")
    def _local_sync_needs_two_stores(self) -> RuleResult:
        if self.is_local and self.store == self.remote_store:
            return Failure(
                "remoteStore",
                f"a local sync job (no `remote`) needs `remoteStore` different from `store` "
                f"(both are `{self.store}`): source and target datastore can't be the same",
            )
        return None

    @cross_field_rule("ns", "remote_ns", "max_depth")
    def _namespace_depth_limit(self) -> RuleResult:
        if self.max_depth is None:
            return None
        failures = []
        for label, ns in (("ns", self.ns), ("remoteNs", self.remote_ns)):
            try:
                check_namespace_max_depth(ns or "", self.max_depth)
            except InvalidId as error:
                failures.append(
                    Failure(
                        "maxDepth", f"`maxDepth` is too large for `{label}`: {error.message} (max 7 levels)"
                    )
                )
        return failures

    # ---- version rules that depend on values -----------------------------------------------

    def version_requirements(self) -> list[VersionRequirement]:
        needs = super().version_requirements()
        if self.is_local:
            needs.append(VersionRequirement("remote", "a local sync job (no `remote`)", LOCAL_SYNC_SINCE))
        if any(item.startswith("exclude:") for item in self.group_filter or ()):
            needs.append(
                VersionRequirement("groupFilter", "`groupFilter` with `exclude:`", EXCLUDE_FILTER_SINCE)
            )
        return needs
