"""`Namespace` (`pulumi-python:dynamic/pbs:Namespace`): a datastore namespace, managed by the
generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.namespace.NamespaceSchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.namespace import NamespaceSchema

from .endpoints import NamespaceEndpoint
from .machine import PbsResourceProvider
from .resource import PbsResource


class NamespaceProvider(PbsResourceProvider):
    """Provider of `Namespace`: `/admin/datastore/{store}/namespace` (module path and name are
    part of stored state)."""

    schema = NamespaceSchema
    endpoint = NamespaceEndpoint()


class Namespace(PbsResource, module="pbs", name="Namespace"):
    """Namespace `ns` of datastore `store` on server `server` (inputs: `NamespaceSchema`)."""

    schema = NamespaceSchema
    provider_class = NamespaceProvider
