"""pbs_provider: Pulumi dynamic providers for Proxmox Backup Server replication.

Importing this package has no side effects (no `pulumi.Config()`, no network): the dynamic-provider
plugin unpickles providers by module path and imports it in its own process.

The public names below are loaded on first use (PEP 562), so that `pbs_types` and
`pbs_provider.client` (used by the simulator and the client tests) do not pull in Pulumi.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"
"""The project's version: the package metadata (`pyproject.toml`) reads it from here; CHANGELOG.md
has a section for it."""

_EXPORTS = {
    "Remote": "pbs_provider.resources.remote",
    "RemoteProvider": "pbs_provider.resources.remote",
    "SyncJob": "pbs_provider.resources.sync_job",
    "SyncJobProvider": "pbs_provider.resources.sync_job",
    "ProviderError": "pbs_provider.resources.machine",
    "ServerDirectory": "pbs_provider.servers",
    "User": "pbs_provider.resources.user",
    "UserProvider": "pbs_provider.resources.user",
    "ApiToken": "pbs_provider.resources.api_token",
    "ApiTokenProvider": "pbs_provider.resources.api_token",
    "AclEntry": "pbs_provider.resources.acl_entry",
    "AclEntryProvider": "pbs_provider.resources.acl_entry",
    "Namespace": "pbs_provider.resources.namespace",
    "NamespaceProvider": "pbs_provider.resources.namespace",
    "Replication": "pbs_provider.resources.replication",
    "ReplicationArgs": "pbs_provider.resources.replication",
    "ServerConfigError": "pbs_provider.servers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pbs_provider' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
