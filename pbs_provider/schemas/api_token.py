"""The PBS API token (`/access/users/{userid}/token/{token-name}`), declared once.

Source: `ApiToken` in `pbs-api-types/src/user.rs` (proxmox-rs), `src/api2/access/user.rs`. The
secret is a one-time fact: PBS returns it only when the token is created (`value`) or regenerated
(`secret`), so the outputs keep it from state as a Pulumi secret; `regenerate` is the trigger that
asks PBS for a new one. A token's privileges are its own ACL entries intersected with its user's.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from pbs_types.ids import AUTHID_RULE

from .base import AdoptablePbsObject
from .field import PbsField
from .messages import Failure
from .rules import RuleResult, cross_field_rule
from .types import AuthIdText, Comment, Expire, TokenName, Trigger, Userid


def token_id(userid: str, token_name: str) -> str:
    """The token's auth id, `user@realm!name`."""
    return f"{userid}!{token_name}"


class ApiTokenSchema(AdoptablePbsObject):
    """An API token of a user: what a remote or a script logs in with."""

    noun: ClassVar[str] = "API token"

    userid: Annotated[Userid, PbsField(identity=True, replace_on_change=True)] = Field(
        description="The user who owns the token (`name@realm`). Changing it creates a new token."
    )
    token_name: Annotated[TokenName, PbsField(identity=True, replace_on_change=True)] = Field(
        description="Name of the token; its id is `<userid>!<tokenName>`. Changing it creates a new token."
    )
    comment: Annotated[Comment | None, PbsField()] = Field(default=None, description="Free-text comment.")
    enable: Annotated[bool | None, PbsField(default=True, deletable=False, reset_to=True)] = Field(
        default=None, description="`false` disables the token."
    )
    expire: Annotated[Expire | None, PbsField(default=0, deletable=False, reset_to=0)] = Field(
        default=None, description="When the token expires (Unix time); 0 or unset = never."
    )
    regenerate: Annotated[Trigger | None, PbsField(local=True, trigger="regenerate")] = Field(
        default=None,
        description="Rotation trigger: whenever this value changes (e.g. a counter), PBS regenerates "
        "the secret (`regenerate=true`) and everything using `secret` (a remote's password) is "
        "updated in the same `pulumi up`. With `adopt`, a set value also regenerates the secret of "
        "the adopted token, the only way to learn it.",
    )
    token_id: Annotated[AuthIdText | None, PbsField(pbs_name="tokenid", output_only=True)] = Field(
        default=None,
        description="The token's auth id `<userid>!<tokenName>` (use it as a remote's `authId`).",
    )
    secret: Annotated[str | None, PbsField(output_only=True, once=True, secret=True)] = Field(
        default=None,
        description="The token secret, a Pulumi secret. PBS shows it only at creation and "
        "regeneration, so it is kept from state; unset for an adopted token until `regenerate` is set.",
    )

    @cross_field_rule("userid", "token_name")
    def _token_id_length(self) -> RuleResult:
        full = token_id(str(self.userid), str(self.token_name))
        if not AUTHID_RULE.is_valid(full):
            return Failure(
                "tokenName",
                f"the token id `{full}` may be at most {AUTHID_RULE.max_length} characters long "
                f"(got {len(full)}): choose a shorter `tokenName`",
            )
        return None

    def key(self) -> str:
        return token_id(str(self.userid), str(self.token_name))
