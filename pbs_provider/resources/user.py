"""`User` (`pulumi-python:dynamic/pbs:User`): a PBS user, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.user.UserSchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.user import UserSchema

from .endpoints import UserCollection
from .machine import PbsResourceProvider
from .resource import PbsResource


class UserProvider(PbsResourceProvider):
    """Provider of `User`: `/access/users` (module path and name are part of stored state)."""

    schema = UserSchema
    endpoint = UserCollection()


class User(PbsResource, module="pbs", name="User"):
    """A PBS user on server `server` (inputs: `UserSchema`); `password` is a secret."""

    schema = UserSchema
    provider_class = UserProvider
