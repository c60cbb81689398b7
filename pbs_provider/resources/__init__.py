"""Dynamic providers and their Pulumi resource classes, all run by one generic machine.

`machine.PbsResourceProvider` does check/diff/create/read/update/delete for any schema model;
`endpoints` binds it to PBS API paths; `resource.PbsResource` is the user-facing base class.
"""

from .endpoints import ConfigCollection, Endpoint, SyncJobCollection
from .machine import PbsResourceProvider, ProviderError
from .remote import Remote, RemoteProvider
from .resource import PbsResource
from .sync_job import SyncJob, SyncJobProvider

__all__ = [
    "ConfigCollection",
    "Endpoint",
    "PbsResource",
    "PbsResourceProvider",
    "ProviderError",
    "Remote",
    "RemoteProvider",
    "SyncJob",
    "SyncJobCollection",
    "SyncJobProvider",
]
