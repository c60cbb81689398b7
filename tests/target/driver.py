"""Tier-1 driver for the target-side resources: the providers' engine-like `Stack`, taught the
kinds `user`, `token`, `acl` and `namespace` (type token, pickled provider, secret inputs)."""

from __future__ import annotations

from typing import Any

from offline_engine.provider_host import serialize_like_sdk
from pbs_provider.resources.acl_entry import AclEntryProvider
from pbs_provider.resources.api_token import ApiTokenProvider
from pbs_provider.resources.namespace import NamespaceProvider
from pbs_provider.resources.user import UserProvider
from tests.providers import driver

KINDS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "user": ("User", UserProvider(), ("password",)),
    "token": ("ApiToken", ApiTokenProvider(), ()),
    "acl": ("AclEntry", AclEntryProvider(), ()),
    "namespace": ("Namespace", NamespaceProvider(), ()),
}
for kind, (name, provider, secrets) in KINDS.items():
    driver.TYPES[kind] = f"pulumi-python:dynamic/pbs:{name}"
    driver.PROVIDERS[kind] = serialize_like_sdk(provider)
    driver.SECRET_INPUTS[kind] = secrets

Stack = driver.Stack
start_plugin = driver.start_plugin
DIFF_NONE = driver.DIFF_NONE

__all__ = ["DIFF_NONE", "KINDS", "Stack", "start_plugin"]
