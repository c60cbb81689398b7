"""The PBS remote (`/config/remote/{name}`): every field PBS 4.2 has, declared once.

Source: `RemoteConfig`/`RemoteWithoutPassword` in `pbs-api-types/src/remote.rs` (proxmox-rs).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from pbs_types.ids import normalize_fingerprint

from .base import AdoptablePbsObject
from .field import PbsField
from .types import AuthIdText, Comment, Fingerprint, Host, Port, RemoteName, RemotePassword


class RemoteSchema(AdoptablePbsObject):
    """A remote: how this PBS reaches another PBS (for pull and push sync jobs)."""

    noun: ClassVar[str] = "remote"

    name: Annotated[RemoteName, PbsField(identity=True, replace_on_change=True)] = Field(
        description="Name of the remote (its id in PBS). Changing it creates a new remote."
    )
    host: Annotated[Host, PbsField()] = Field(description="Host name or IP address of the other PBS.")
    port: Annotated[Port | None, PbsField(default=8007)] = Field(
        default=None, description="API port of the other PBS; PBS uses 8007 when unset."
    )
    auth_id: Annotated[AuthIdText, PbsField()] = Field(
        description="User (`user@realm`) or API token (`user@realm!token`) to log in as on the other PBS."
    )
    password: Annotated[RemotePassword, PbsField(secret=True, write_only=True)] = Field(
        description="Password of `authId`, or the token secret when `authId` is a token. A secret; "
        "PBS never returns it, so changes made outside Pulumi cannot be detected."
    )
    fingerprint: Annotated[Fingerprint | None, PbsField(compare=normalize_fingerprint)] = Field(
        default=None,
        description="SHA-256 fingerprint of the other PBS's certificate; needed when it is not "
        "signed by a trusted CA (PBS's default self-signed certificate). Compared case-insensitively.",
    )
    comment: Annotated[Comment | None, PbsField()] = Field(default=None, description="Free-text comment.")
    use_node_proxy: Annotated[bool | None, PbsField(since="4.1.6", default=False)] = Field(
        default=None, description="Connect through the node's HTTP proxy setting."
    )
