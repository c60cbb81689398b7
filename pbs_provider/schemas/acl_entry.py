"""A PBS ACL entry (`/access/acl`): one role of one user or token on one path, declared once.

Source: proxmox-backup's `src/api2/access/acl.rs` and `pbs-config/src/acl.rs`. PBS has
no per-entry id: an entry *is* (path, auth id, role), so all three are the identity and a change
of any replaces the entry; only `propagate` changes in place. Paths and roles are checked against
PBS's own tables (`pbs_types.ids.check_acl_path`, `pbs_types.roles`) before anything is sent;
roles newer than the server's PBS fail the version gate.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from pbs_types.roles import ROLE_SINCE

from .base import AdoptablePbsObject
from .field import PbsField
from .rules import VersionRequirement
from .types import AclPath, AuthIdText, Role


class AclEntrySchema(AdoptablePbsObject):
    """A role granted to a user or an API token on an ACL path."""

    noun: ClassVar[str] = "ACL entry"

    path: Annotated[AclPath, PbsField(identity=True, replace_on_change=True)] = Field(
        description="Where the role applies: `/`, `/datastore/<store>[/<namespace>…]`, "
        "`/remote/<remote>[/<store>[/<namespace>…]]`, `/system/…`, `/access/…`, `/tape/…`."
    )
    auth_id: Annotated[AuthIdText, PbsField(identity=True, replace_on_change=True)] = Field(
        description="User (`user@realm`) or API token (`user@realm!token`) that gets the role. A "
        "token's effective privileges are its own roles intersected with its user's: grant both."
    )
    role: Annotated[Role, PbsField(identity=True, replace_on_change=True)] = Field(
        description="PBS role (`DatastoreBackup`, `DatastorePowerUser`, `DatastoreReader`, "
        "`RemoteSyncPushOperator`, …). `NoAccess` replaces every other role of `authId` on `path`."
    )
    propagate: Annotated[bool | None, PbsField(default=True, deletable=False, reset_to=True)] = Field(
        default=None, description="Whether the role also applies below `path` (PBS's default: true)."
    )

    def key(self) -> str:
        return f"{self.path}:{self.auth_id}:{self.role}"

    def version_requirements(self) -> list[VersionRequirement]:
        needs = super().version_requirements()
        since = ROLE_SINCE.get(str(self.role))
        if since is not None:
            needs.append(VersionRequirement("role", f"role `{self.role}`", str(since)))
        return needs
