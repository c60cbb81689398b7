"""`Remote` (`pulumi-python:dynamic/pbs:Remote`): a PBS remote, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.remote.RemoteSchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.remote import RemoteSchema

from .endpoints import ConfigCollection
from .machine import PbsResourceProvider
from .resource import PbsResource


class RemoteProvider(PbsResourceProvider):
    """Provider of `Remote`: `/config/remote` (module path and name are part of stored state)."""

    schema = RemoteSchema
    endpoint = ConfigCollection("config", "remote")


class Remote(PbsResource, module="pbs", name="Remote"):
    """A PBS remote: how server `server` reaches another PBS (inputs: `RemoteSchema`)."""

    schema = RemoteSchema
    provider_class = RemoteProvider
