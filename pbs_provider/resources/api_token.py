"""`ApiToken` (`pulumi-python:dynamic/pbs:ApiToken`): a PBS API token, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.api_token.ApiTokenSchema`.
"""

from __future__ import annotations

from pbs_provider.schemas.api_token import ApiTokenSchema

from .endpoints import ApiTokenEndpoint
from .machine import PbsResourceProvider
from .resource import PbsResource


class ApiTokenProvider(PbsResourceProvider):
    """Provider of `ApiToken`: `/access/users/{userid}/token/{name}` (module path and name are
    part of stored state)."""

    schema = ApiTokenSchema
    endpoint = ApiTokenEndpoint()


class ApiToken(PbsResource, module="pbs", name="ApiToken"):
    """An API token on server `server` (inputs: `ApiTokenSchema`).

    Outputs `tokenId` and `secret` (a Pulumi secret) feed a `Remote`:
    `Remote(..., authId=token.tokenId, password=token.secret)`; bumping `regenerate` rotates the
    secret and updates such remotes in the same `pulumi up`.
    """

    schema = ApiTokenSchema
    provider_class = ApiTokenProvider
