"""`AclEntry` (`pulumi-python:dynamic/pbs:AclEntry`): one PBS ACL entry, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.acl_entry.AclEntrySchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.acl_entry import AclEntrySchema

from .endpoints import AclEndpoint
from .machine import PbsResourceProvider
from .resource import PbsResource


class AclEntryProvider(PbsResourceProvider):
    """Provider of `AclEntry`: `/access/acl` (module path and name are part of stored state)."""

    schema = AclEntrySchema
    endpoint = AclEndpoint()


class AclEntry(PbsResource, module="pbs", name="AclEntry"):
    """Role `role` for `authId` on `path` of server `server` (inputs: `AclEntrySchema`).

    Pass `authId=<User>.userid` or `<ApiToken>.tokenId` so the entry is created after, and deleted
    before, the user or token it names.
    """

    schema = AclEntrySchema
    provider_class = AclEntryProvider
