"""The PBS user (`/access/users/{userid}`): every field of PBS 4.2's `User`, declared once.

Source: `User`/`UserUpdater` in `pbs-api-types/src/user.rs` (proxmox-rs), `src/api2/access/user.rs`.
PBS stores `enable: true` and `expire: 0` as absent, so both compare equal to unset; neither can
be removed with `delete[]`, so removing them from the program sends PBS's default instead.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from pbs_types.ids import parse_userid

from .base import AdoptablePbsObject
from .field import PbsField
from .messages import Failure
from .rules import RuleResult, cross_field_rule
from .types import Comment, Email, Expire, FirstName, LastName, Userid, UserPassword

PASSWORD_REALM = "pbs"


class UserSchema(AdoptablePbsObject):
    """A user: who may log in (password, `pbs` realm) or own API tokens."""

    noun: ClassVar[str] = "user"

    userid: Annotated[Userid, PbsField(identity=True, replace_on_change=True)] = Field(
        description="User id `name@realm` (realm `pbs` for users PBS itself keeps, `pam` for system "
        "users). Changing it creates a new user."
    )
    comment: Annotated[Comment | None, PbsField()] = Field(default=None, description="Free-text comment.")
    enable: Annotated[bool | None, PbsField(default=True, deletable=False, reset_to=True)] = Field(
        default=None, description="`false` disables the user and all its API tokens."
    )
    expire: Annotated[Expire | None, PbsField(default=0, deletable=False, reset_to=0)] = Field(
        default=None, description="When the account expires (Unix time); 0 or unset = never."
    )
    firstname: Annotated[FirstName | None, PbsField()] = Field(default=None, description="First name.")
    lastname: Annotated[LastName | None, PbsField()] = Field(default=None, description="Last name.")
    email: Annotated[Email | None, PbsField()] = Field(default=None, description="E-mail address.")
    password: Annotated[UserPassword | None, PbsField(secret=True, write_only=True)] = Field(
        default=None,
        description="Login password (realm `pbs` only), a secret. Set at creation; PBS never returns "
        "it, and only a password login may change it later (`PUT /access/password` refuses API "
        "tokens). Users that only own API tokens need none.",
    )

    @cross_field_rule("userid", "password")
    def _password_needs_pbs_realm(self) -> RuleResult:
        if self.password is None or self.userid is None:
            return None
        realm = parse_userid(self.userid).realm
        if realm != PASSWORD_REALM:
            return Failure(
                "password",
                f"`password` can only be set for users of realm `{PASSWORD_REALM}` (`{self.userid}` is "
                f"in realm `{realm}`, whose passwords PBS does not keep)",
            )
        return None

    def key(self) -> str:
        return str(self.userid)
