"""`ApiToken` (`pulumi-python:dynamic/pbs:ApiToken`): a PBS API token, managed by the generic machine.

Fields, rules and documentation live in `pbs_provider.schemas.api_token.ApiTokenSchema`.
"""

from __future__ import annotations

import pulumi

from pbs_provider.schemas.api_token import ApiTokenSchema, token_id

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
    `Remote(..., authId=token.auth_id, password=token.secret)`; bumping `regenerate` rotates the
    secret and updates such remotes in the same `pulumi up`.
    """

    schema = ApiTokenSchema
    provider_class = ApiTokenProvider

    @property
    def auth_id(self) -> pulumi.Output[str]:
        """The token id `<userid>!<tokenName>` built from the inputs: the same value as the
        `tokenId` output, but known during a preview of an update (outputs that are not inputs
        are unknown there), so what uses it does not show a change that will not happen."""
        parts = pulumi.Output.all(self.userid, self.tokenName)  # type: ignore[attr-defined]
        return parts.apply(lambda values: token_id(str(values[0]), str(values[1])))
