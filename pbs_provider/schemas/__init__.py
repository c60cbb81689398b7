"""One pydantic model per PBS object; validation, diffs, request bodies and docs derive from it.

`base.PbsObject` is the machinery, `field.PbsField` the per-field PBS facts, `types` the PBS
value types, `remote.RemoteSchema` and `sync_job.SyncJobSchema` the objects; `user`, `api_token`,
`acl_entry` and `namespace` the target side.
"""

from .acl_entry import AclEntrySchema
from .api_token import ApiTokenSchema
from .base import AdoptablePbsObject, InvalidInputs, PbsObject, UpdatePlan, Validation
from .field import FieldSpec, PbsField
from .messages import Failure
from .namespace import NamespaceSchema
from .remote import RemoteSchema
from .rules import VersionRequirement, cross_field_rule
from .sync_job import SyncJobSchema
from .user import UserSchema

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
    "RemoteSchema",
    "SyncJobSchema",
    "UpdatePlan",
    "UserSchema",
    "Validation",
    "VersionRequirement",
    "cross_field_rule",
]
