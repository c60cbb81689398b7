"""`SyncJob` (`pulumi-python:dynamic/pbs:SyncJob`): a PBS sync job, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.sync_job.SyncJobSchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.sync_job import SyncJobSchema

from .endpoints import SyncJobCollection
from .machine import PbsResourceProvider
from .resource import PbsResource


class SyncJobProvider(PbsResourceProvider):
    """Provider of `SyncJob`: `/config/sync` (module path and name are part of stored state)."""

    schema = SyncJobSchema
    endpoint = SyncJobCollection()


class SyncJob(PbsResource, module="pbs", name="SyncJob"):
    """A PBS sync job on server `server` (inputs and status outputs: `SyncJobSchema`).

    Pass `remote=<Remote>.name` so the job depends on its remote and is deleted before it.
    """

    schema = SyncJobSchema
    provider_class = SyncJobProvider
