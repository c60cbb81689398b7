"""The PBS prune job (`/config/prune/{id}`): every field of PBS 4.2's `PruneJobConfig`, declared once.

Source: pbs-api-types `src/jobs.rs` (`PruneJobConfig`, `PruneJobOptions`, `KeepOptions`),
`src/datastore.rs` (`PRUNE_SCHEMA_KEEP_*`: each at least 1, `NS_MAX_DEPTH_REDUCED_SCHEMA`: 0..=7) and
proxmox-backup `src/api2/config/prune.rs` (create, update with `delete[]`, Datastore.Modify on the job's
datastore or namespace). PBS does not check `max-depth` against the depth of `ns` for prune jobs (a run
stops at the deepest level that can exist), so neither does this schema. Prune jobs exist since PBS
2.2.2. Which snapshots a run keeps is `pbs_types.prune.compute_prune_info`; a job without any keep
option keeps everything (PBS logs a warning and removes nothing).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from pbs_types.prune import KeepOptions

from .base import AdoptablePbsObject
from .field import PbsField
from .job_status import JobScheduleStatus
from .rules import VersionRequirement
from .types import CalendarEvent, Comment, DatastoreName, Integer, JobId, MaxDepth, Namespace

PRUNE_JOB_SINCE = "2.2.2"


class PruneJobSchema(AdoptablePbsObject, JobScheduleStatus):
    """A prune job: removes the snapshots of a datastore (or namespace) that its keep options do not keep."""

    noun: ClassVar[str] = "prune job"

    job_id: Annotated[JobId, PbsField(pbs_name="id", identity=True, replace_on_change=True)] = Field(
        description="Id of the job in PBS (`id`; renamed because Pulumi reserves `id`). Changing it "
        "creates a new job."
    )
    store: Annotated[DatastoreName, PbsField()] = Field(description="Datastore to prune.")
    schedule: Annotated[CalendarEvent, PbsField()] = Field(
        description="When the job runs (PBS calendar event, e.g. `daily`); PBS requires one."
    )
    ns: Annotated[Namespace | None, PbsField()] = Field(
        default=None, description='Namespace to prune; unset or `""` is the root namespace.'
    )
    max_depth: Annotated[MaxDepth | None, PbsField()] = Field(
        default=None,
        description="Namespace levels below `ns` to prune (0 = `ns` only, 0-7); unset = all levels.",
    )
    keep_last: Annotated[Integer | None, Field(ge=1), PbsField()] = Field(
        default=None, description="Keep the newest N snapshots."
    )
    keep_hourly: Annotated[Integer | None, Field(ge=1), PbsField()] = Field(
        default=None, description="Keep the newest snapshot of each of the last N hours that have one."
    )
    keep_daily: Annotated[Integer | None, Field(ge=1), PbsField()] = Field(
        default=None, description="Keep the newest snapshot of each of the last N days that have one."
    )
    keep_weekly: Annotated[Integer | None, Field(ge=1), PbsField()] = Field(
        default=None, description="Keep the newest snapshot of each of the last N ISO weeks that have one."
    )
    keep_monthly: Annotated[Integer | None, Field(ge=1), PbsField()] = Field(
        default=None, description="Keep the newest snapshot of each of the last N months that have one."
    )
    keep_yearly: Annotated[Integer | None, Field(ge=1), PbsField()] = Field(
        default=None, description="Keep the newest snapshot of each of the last N years that have one."
    )
    disable: Annotated[bool | None, PbsField(default=False)] = Field(
        default=None, description="Disable the job (it keeps its configuration but does not run)."
    )
    comment: Annotated[Comment | None, PbsField()] = Field(default=None, description="Free-text comment.")

    def keep_options(self) -> KeepOptions:
        """The keep options as `pbs_types.prune` applies them."""
        return KeepOptions(
            keep_last=self.keep_last,
            keep_hourly=self.keep_hourly,
            keep_daily=self.keep_daily,
            keep_weekly=self.keep_weekly,
            keep_monthly=self.keep_monthly,
            keep_yearly=self.keep_yearly,
        )

    def version_requirements(self) -> list[VersionRequirement]:
        return [VersionRequirement("jobId", "a prune job", PRUNE_JOB_SINCE), *super().version_requirements()]
