"""A PBS datastore namespace (`/admin/datastore/{store}/namespace`), declared once.

Source: proxmox-backup's `src/api2/admin/namespace.rs`. A namespace has no settings, only
its place: (store, full path) is the identity. Missing parents are created first, in order, and
remembered in `createdParents` (kept from state) so that deleting the namespace removes them again
when they are empty. PBS deletes only empty namespaces unless `delete-groups` is sent, which this
resource does only when `deleteGroups: true` is set explicitly (like Terraform's `force_destroy`).
Otherwise deleting a namespace that still holds backup groups fails, naming the fix — or, with
`keepIfNotEmpty: true` (what a replication's `deleteEmptyNamespace` asks for), the namespace is kept
with its backups and the delete completes: PBS removes only the empty namespaces below it
(`delete_namespace` in `src/api2/admin/namespace.rs`).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from .base import AdoptablePbsObject
from .field import PbsField
from .messages import Failure
from .rules import RuleResult, cross_field_rule
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
    keep_if_not_empty: Annotated[bool | None, PbsField(local=True, default=False)] = Field(
        default=None,
        description="When the namespace is deleted and it (or one below it) still holds backup groups, "
        "keep it with its backups and let the delete complete instead of failing. Empty namespaces "
        "are deleted as usual.",
    )
    created_parents: Annotated[list[str] | None, PbsField(output_only=True, once=True)] = Field(
        default=None,
        description="Parents this resource created (outermost first); deleting the namespace "
        "deletes them too when they are empty.",
    )

    @cross_field_rule("delete_groups", "keep_if_not_empty")
    def _one_delete_mode(self) -> RuleResult:
        if self.delete_groups and self.keep_if_not_empty:
            return Failure(
                "keepIfNotEmpty",
                "cannot be combined with `deleteGroups: true` (that deletes the backups; this keeps "
                "them): choose one",
            )
        return None

    def key(self) -> str:
        return f"{self.store}:{self.ns}"

    def parents(self) -> list[str]:
        """The parent namespaces of `ns`, outermost first (`a/b/c` → `a`, `a/b`)."""
        parts = str(self.ns).split("/")
        return ["/".join(parts[:depth]) for depth in range(1, len(parts))]
