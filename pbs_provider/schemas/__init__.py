"""One pydantic model per PBS object; validation, diffs, request bodies and docs derive from it.

`base.PbsObject` is the machinery, `field.PbsField` the per-field PBS facts, `types` the PBS
value types, `remote.RemoteSchema` and `sync_job.SyncJobSchema` the objects; `user`, `api_token`,
`acl_entry` and `namespace` the target side; `prune_job` and `verify_job` keep a target healthy.
"""

from .acl_entry import AclEntrySchema
from .api_token import ApiTokenSchema
from .base import AdoptablePbsObject, InvalidInputs, PbsObject, UpdatePlan, Validation
from .field import FieldSpec, PbsField
from .messages import Failure
from .namespace import NamespaceSchema
from .prune_job import PruneJobSchema
from .remote import RemoteSchema
from .rules import VersionRequirement, cross_field_rule
from .sync_job import SyncJobSchema
from .user import UserSchema
from .verify_job import VerifyJobSchema

__all__ = [
    "AclEntrySchema",
    "AdoptablePbsObject",
    "ApiTokenSchema",
    "Failure",
    "FieldSpec",
    "InvalidInputs",
    "NamespaceSchema",
    "PbsField",
    "PbsObject",
    "PruneJobSchema",
    "RemoteSchema",
    "SyncJobSchema",
    "UpdatePlan",
    "UserSchema",
    "Validation",
    "VerifyJobSchema",
    "VersionRequirement",
    "cross_field_rule",
]
