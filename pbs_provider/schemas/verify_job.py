"""The PBS verify job (`/config/verify/{id}`): every field of PBS 4.2's `VerificationJobConfig`, once.

Source: pbs-api-types `src/jobs.rs` (`VerificationJobConfig`, `IGNORE_VERIFIED_BACKUPS_SCHEMA` default
true, `VERIFICATION_OUTDATED_AFTER_SCHEMA` at least 0, `VERIFY_JOB_{READ,VERIFY}_THREADS_SCHEMA` 1..=32
with defaults 1 and 4; `max-depth` is `NS_MAX_DEPTH_SCHEMA`, 0..=7 with default 7) and proxmox-backup
`src/api2/config/verify.rs` (Datastore.Verify on the job's datastore or namespace). PBS does not check
`max-depth` against the depth of `ns` for verify jobs (a run stops at the deepest level that can
exist), so neither does this schema. `ns`/`max-depth` exist since PBS 2.2.0, the thread counts since
4.0.20.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from .base import AdoptablePbsObject
from .field import PbsField
from .job_status import JobScheduleStatus
from .types import CalendarEvent, Comment, DatastoreName, Integer, JobId, MaxDepth, Namespace

THREADS_SINCE = "4.0.20"


class VerifyJobSchema(AdoptablePbsObject, JobScheduleStatus):
    """A verify job: re-reads the snapshots of a datastore (or namespace) and checks every chunk."""

    noun: ClassVar[str] = "verify job"

    job_id: Annotated[JobId, PbsField(pbs_name="id", identity=True, replace_on_change=True)] = Field(
        description="Id of the job in PBS (`id`; renamed because Pulumi reserves `id`). Changing it "
        "creates a new job."
    )
    store: Annotated[DatastoreName, PbsField()] = Field(description="Datastore to verify.")
    schedule: Annotated[CalendarEvent | None, PbsField()] = Field(
        default=None, description="When the job runs (PBS calendar event); unset = only when started by hand."
    )
    ns: Annotated[Namespace | None, PbsField(since="2.2.0")] = Field(
        default=None, description='Namespace to verify; unset or `""` is the root namespace.'
    )
    max_depth: Annotated[MaxDepth | None, PbsField(since="2.2.0", default=7)] = Field(
        default=None,
        description="Namespace levels below `ns` to verify (0 = `ns` only, 0-7); unset = all levels "
        "(PBS's default: 7).",
    )
    ignore_verified: Annotated[bool | None, PbsField(default=True)] = Field(
        default=None,
        description="Skip snapshots whose last verification is not outdated (PBS's default: true).",
    )
    outdated_after: Annotated[Integer | None, Field(ge=0), PbsField()] = Field(
        default=None,
        description="Days after which a verification is outdated and the snapshot is verified again "
        "(only with `ignoreVerified`); unset = never.",
    )
    read_threads: Annotated[Integer | None, Field(ge=1, le=32), PbsField(since=THREADS_SINCE, default=1)] = (
        Field(default=None, description="Threads reading chunks (1-32; PBS uses 1 when unset).")
    )
    verify_threads: Annotated[
        Integer | None, Field(ge=1, le=32), PbsField(since=THREADS_SINCE, default=4)
    ] = Field(default=None, description="Threads verifying chunks (1-32; PBS uses 4 when unset).")
    comment: Annotated[Comment | None, PbsField()] = Field(default=None, description="Free-text comment.")
