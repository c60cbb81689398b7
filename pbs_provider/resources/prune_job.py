"""`PruneJob` (`pulumi-python:dynamic/pbs:PruneJob`): a PBS prune job, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.prune_job.PruneJobSchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.prune_job import PruneJobSchema

from .endpoints import PruneJobCollection
from .machine import PbsResourceProvider
from .resource import PbsResource


class PruneJobProvider(PbsResourceProvider):
    """Provider of `PruneJob`: `/config/prune` (module path and name are part of stored state)."""

    schema = PruneJobSchema
    endpoint = PruneJobCollection()


class PruneJob(PbsResource, module="pbs", name="PruneJob"):
    """A PBS prune job on server `server` (inputs and status outputs: `PruneJobSchema`).

    Pass `ns=<Namespace>.ns` so the job depends on the namespace it prunes.
    """

    schema = PruneJobSchema
    provider_class = PruneJobProvider
