"""Dynamic providers and their Pulumi resource classes, all run by one generic machine.

`machine.PbsResourceProvider` does check/diff/create/read/update/delete for any schema model;
`endpoints` binds it to PBS API paths; `resource.PbsResource` is the user-facing base class.
"""

from .acl_entry import AclEntry, AclEntryProvider
from .api_token import ApiToken, ApiTokenProvider
from .endpoints import ConfigCollection, Endpoint, JobCollection, SyncJobCollection
from .machine import PbsResourceProvider, ProviderError
from .namespace import Namespace, NamespaceProvider
from .prune_job import PruneJob, PruneJobProvider
from .remote import Remote, RemoteProvider
from .resource import PbsResource
from .sync_job import SyncJob, SyncJobProvider
from .user import User, UserProvider
from .verify_job import VerifyJob, VerifyJobProvider

__all__ = [
    "AclEntry",
    "AclEntryProvider",
    "ApiToken",
    "ApiTokenProvider",
    "ConfigCollection",
    "Endpoint",
    "JobCollection",
    "Namespace",
    "NamespaceProvider",
    "PbsResource",
    "PbsResourceProvider",
    "ProviderError",
    "PruneJob",
    "PruneJobProvider",
    "Remote",
    "RemoteProvider",
    "SyncJob",
    "SyncJobCollection",
    "SyncJobProvider",
    "User",
    "UserProvider",
    "VerifyJob",
    "VerifyJobProvider",
]
