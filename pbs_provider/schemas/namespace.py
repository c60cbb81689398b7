"""A PBS datastore namespace (`/admin/datastore/{store}/namespace`), declared once.

Source: proxmox-backup's `src/api2/admin/namespace.rs`. A namespace has no settings, only
its place: (store, full path) is the identity. Missing parents are created first, in order, and
remembered in `createdParents` (kept from state) so that deleting the namespace removes them again
when they are empty. PBS deletes only empty namespaces unless `delete-groups` is sent, which this
resource does only when `deleteGroups: true` is set explicitly.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from .base import AdoptablePbsObject
from .field import PbsField
from .types import DatastoreName, NamespacePath


class NamespaceSchema(AdoptablePbsObject):
    """A namespace of a datastore (where backup groups live; sync jobs anchor on them)."""

    noun: ClassVar[str] = "namespace"

    store: Annotated[DatastoreName, PbsField(identity=True, replace_on_change=True)] = Field(
        description="The datastore that holds the namespace. Changing it creates a new namespace."
    )
    ns: Annotated[NamespacePath, PbsField(identity=True, replace_on_change=True)] = Field(
        description="Full path of the namespace (`site1` or `tenant-a/site1`, at most 7 levels). Missing "
        "parents are created first. Changing it creates a new namespace."
    )
    delete_groups: Annotated[bool | None, PbsField(local=True, default=False)] = Field(
        default=None,
        description="When the namespace is deleted, also delete the backup groups in it and below "
        "it (PBS's `delete-groups`). Unset: PBS refuses to delete a namespace that holds backups.",
    )
    created_parents: Annotated[list[str] | None, PbsField(output_only=True, once=True)] = Field(
        default=None,
        description="Parents this resource created (outermost first); deleting the namespace "
        "deletes them too when they are empty.",
    )

    def key(self) -> str:
        return f"{self.store}:{self.ns}"

    def parents(self) -> list[str]:
        """The parent namespaces of `ns`, outermost first (`a/b/c` → `a`, `a/b`)."""
        parts = str(self.ns).split("/")
        return ["/".join(parts[:depth]) for depth in range(1, len(parts))]
