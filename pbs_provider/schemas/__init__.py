"""One pydantic model per PBS object; validation, diffs, request bodies and docs derive from it.

`base.PbsObject` is the machinery, `field.PbsField` the per-field PBS facts, `types` the PBS
value types, `remote.RemoteSchema` and `sync_job.SyncJobSchema` the objects.
"""

from .base import AdoptablePbsObject, InvalidInputs, PbsObject, UpdatePlan, Validation
from .field import FieldSpec, PbsField
from .messages import Failure
from .remote import RemoteSchema
from .rules import VersionRequirement, cross_field_rule
from .sync_job import SyncJobSchema

__all__ = [
    "AdoptablePbsObject",
    "Failure",
    "FieldSpec",
    "InvalidInputs",
    "PbsField",
    "PbsObject",
    "RemoteSchema",
    "SyncJobSchema",
    "UpdatePlan",
    "Validation",
    "VersionRequirement",
    "cross_field_rule",
]
