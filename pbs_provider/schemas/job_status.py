"""The schedule status PBS reports for every kind of job (`JobScheduleStatus` in pbs-api-types
`src/jobs.rs`): the read-only outputs of `SyncJob`, `PruneJob` and `VerifyJob`, filled by a refresh
from the job kind's status listing (`GET /admin/sync`, `/admin/prune`, `/admin/verify`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from .field import PbsField


class JobScheduleStatus(BaseModel):
    """Mixin of the status outputs; a job schema lists it after its PBS base class."""

    next_run: Annotated[int | None, PbsField(output_only=True)] = Field(
        default=None, description="Next scheduled run (Unix time), from the job kind's status listing."
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
