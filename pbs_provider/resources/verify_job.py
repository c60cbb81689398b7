"""`VerifyJob` (`pulumi-python:dynamic/pbs:VerifyJob`): a PBS verify job, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.verify_job.VerifyJobSchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.verify_job import VerifyJobSchema

from .endpoints import VerifyJobCollection
from .machine import PbsResourceProvider
from .resource import PbsResource


class VerifyJobProvider(PbsResourceProvider):
    """Provider of `VerifyJob`: `/config/verify` (module path and name are part of stored state)."""

    schema = VerifyJobSchema
    endpoint = VerifyJobCollection()


class VerifyJob(PbsResource, module="pbs", name="VerifyJob"):
    """A PBS verify job on server `server` (inputs and status outputs: `VerifyJobSchema`).

    Pass `ns=<Namespace>.ns` so the job depends on the namespace it verifies.
    """

    schema = VerifyJobSchema
    provider_class = VerifyJobProvider
