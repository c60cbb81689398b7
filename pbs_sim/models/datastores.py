"""Datastores and namespaces: ``datastore.cfg`` plus a directory per datastore holding namespaces.

Namespaces are directories like PBS's (``<store>/ns/a/ns/b``). Listing yields the anchor first, then
depth-first children (sorted), filtered by privileges; creation needs Datastore.Modify on the parent,
is idempotent and refuses the root and depth > 7; deletion of an empty namespace needs the same
privilege. A namespace's backup groups live in :class:`~pbs_sim.models.backups.BackupStore`; deleting
a namespace that still holds groups needs ``delete-groups`` (PBS's ``remove_namespace_recursive``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pbs_sim import api_types, errors, grammar
from pbs_sim.config_store import SectionConfigFile
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import AclFile
from pbs_sim.models.backups import BackupStore, DeleteStats, ns_path
from pbs_sim.models.permissions import PermissionResolver, priv_names_in_order
from pbs_sim.section_config import SectionType

DATASTORE_TYPES = {"datastore": SectionType("datastore", "name", api_types.DATASTORE_CONFIG)}
NS_PRIVS_OK = ("Datastore.Modify", "Datastore.Backup", "Datastore.Audit")
MAX_NAMESPACE_DEPTH = grammar.MAX_NAMESPACE_DEPTH


def ns_components(ns: str | None) -> list[str]:
    """A namespace's components, parsed like ``BackupNamespace`` (depth <= 7) by pbs_types."""
    try:
        return list(grammar.ids.parse_namespace(ns or ""))
    except grammar.PbsValueError as exc:
        raise ApiError(str(exc)) from None


class DatastoreStore:
    def __init__(self, data_dir: Path, perms: PermissionResolver, acl_file: AclFile) -> None:
        self.file = SectionConfigFile(data_dir / "datastore.cfg", DATASTORE_TYPES)
        self.base = data_dir / "datastores"
        self.base.mkdir(exist_ok=True)
        self._perms = perms
        self._acl = acl_file
        self.content = BackupStore(self.base)

    def store_dir(self, name: str) -> Path:
        return self.base / name

    def ns_dir(self, store: str, ns: list[str] | tuple[str, ...]) -> Path:
        return ns_path(self.store_dir(store), ns)

    def names(self) -> list[str]:
        data, _ = self.file.read()
        return data.ids("datastore")

    def require(self, store: str) -> dict[str, Any]:
        """``DataStore::lookup_datastore``: the config or 400 ``no such datastore``."""
        data, _ = self.file.read()
        found = data.get(store)
        if found is None or found[0] != "datastore":
            raise errors.no_such_section("datastore", store)
        return found[1]

    # --- config ----------------------------------------------------------------------------------
    def ensure(self, name: str) -> None:
        """Create a datastore if missing (the CLI's ``--datastore``)."""
        with self.file.locked():
            data, _ = self.file.read()
            if data.get(name) is None:
                data.set(name, "datastore", {"path": str(self.store_dir(name))})
                self.file.write(data)
        self.store_dir(name).mkdir(exist_ok=True)

    def list_config(self, caller: str) -> tuple[list[dict[str, Any]], str]:
        data, digest = self.file.read()
        result = [
            {"name": name, **props}
            for name, props in data.items("datastore")
            if "Datastore.Audit" in self._perms.lookup(caller, ["datastore", name])
        ]
        return result, digest

    def read_config(self, name: str) -> tuple[dict[str, Any], str]:
        data, digest = self.file.read()
        found = data.get(name)
        if found is None or found[0] != "datastore":
            raise errors.no_such_section("datastore", name)
        return {"name": name, **found[1]}, digest

    def list_admin(self, caller: str) -> list[dict[str, Any]]:
        data, _ = self.file.read()
        result = []
        for name, props in data.items("datastore"):
            privs = self._perms.lookup(caller, ["datastore", name])
            allowed = bool(privs & {"Datastore.Audit", "Datastore.Backup"})
            if not allowed and not self._perms.any_privs_below(caller, ["datastore", name], *NS_PRIVS_OK):
                continue
            result.append(
                {
                    "store": name,
                    "comment": props.get("comment") if allowed else None,
                    "mount-status": "nonremovable",
                    "backend-type": "filesystem",
                }
            )
        return result

    def create(self, params: dict[str, Any]) -> None:
        name = params["name"]
        with self.file.locked():
            data, _ = self.file.read()
            if data.get(name) is not None:
                raise errors.datastore_exists(name)
            if not params["path"].startswith("/"):
                raise errors.param_error("path", f"expected an absolute path, '{params['path']}' is not")
            data.set(name, "datastore", {k: v for k, v in params.items() if k != "name"})
            self.file.write(data)
        self.store_dir(name).mkdir(exist_ok=True)

    def delete(self, name: str, digest: str | None, keep_job_configs: bool, destroy_data: bool) -> None:
        with self.file.locked():
            data, current = self.file.read()
            self.file.check_digest(digest, current)
            if data.get(name) is None:
                raise errors.datastore_does_not_exist(name)
            data.remove(name)
            self.file.write(data)
        if not keep_job_configs:
            with self._acl.locked():
                tree, _ = self._acl.read()
                tree.delete_node(f"/datastore/{name}")
                self._acl.write(tree)
        if destroy_data:
            shutil.rmtree(self.store_dir(name), ignore_errors=True)

    # --- namespaces ------------------------------------------------------------------------------
    def _check_ns_privs(self, caller: str, store: str, ns: list[str], privs: tuple[str, ...]) -> None:
        path = ["datastore", store, *ns]
        if self._perms.lookup(caller, path) & set(privs):
            return
        names = "|".join(priv_names_in_order(set(privs)))
        raise errors.namespace_forbidden(names, "/" + "/".join(path))

    def namespace_exists(self, store: str, ns: list[str]) -> bool:
        return self.ns_dir(store, ns).is_dir()

    def walk(self, store: str, anchor: list[str], max_depth: int) -> list[list[str]]:
        """``ListNamespacesRecursive``: the anchor first, then children depth-first (sorted)."""
        result = [anchor]
        if max_depth <= 0:
            return result
        children_dir = self.ns_dir(store, anchor) / "ns"
        if not children_dir.is_dir():
            return result
        for child in sorted(p.name for p in children_dir.iterdir() if p.is_dir()):
            result.extend(self.walk(store, [*anchor, child], max_depth - 1))
        return result

    def ensure_namespace(self, store: str, ns: list[str] | tuple[str, ...]) -> None:
        """Create a namespace and its parents (seeding; no privilege checks)."""
        self.ns_dir(store, ns).mkdir(parents=True, exist_ok=True)

    def list_namespaces(
        self, caller: str, store: str, parent: str | None, max_depth: int | None
    ) -> list[dict]:
        anchor = ns_components(parent)
        try:
            self._check_ns_privs(caller, store, anchor, NS_PRIVS_OK)
            parent_ok = True
        except ApiError:
            parent_ok = False
        self.require(store)
        depth = MAX_NAMESPACE_DEPTH if max_depth is None else max_depth
        depth = min(depth, MAX_NAMESPACE_DEPTH - len(anchor))
        result = [
            {"ns": "/".join(ns)}
            for ns in self.walk(store, anchor, depth)
            if self._perms.lookup(caller, ["datastore", store, *ns]) & set(NS_PRIVS_OK)
        ]
        if not result and not parent_ok:
            raise ApiError(errors.PERMISSION_CHECK_FAILED, 403)
        return result

    def _check_modification(self, caller: str, store: str, ns: list[str]) -> None:
        if not ns:
            raise ApiError(errors.ROOT_NAMESPACE)
        self._check_ns_privs(caller, store, ns[:-1], ("Datastore.Modify",))

    def create_namespace(self, caller: str, store: str, name: str, parent: str | None) -> str:
        parent_ns = ns_components(parent)
        if len(parent_ns) >= MAX_NAMESPACE_DEPTH:
            raise errors.namespace_too_deep(len(parent_ns))
        ns = [*parent_ns, name]
        self._check_modification(caller, store, ns)
        self.require(store)
        if not self.namespace_exists(store, parent_ns):
            raise errors.namespace_parent_missing("/".join(parent_ns))
        self.ns_dir(store, ns).mkdir(parents=True, exist_ok=True)
        return "/".join(ns)

    def remove_namespace_recursive(
        self, store: str, ns: list[str] | tuple[str, ...], delete_groups: bool
    ) -> tuple[bool, DeleteStats]:
        """``remove_namespace_recursive``: groups only with ``delete_groups``, then empty namespaces
        bottom-up; (everything requested was removed, what was deleted). No privilege checks."""
        stats = DeleteStats()
        removed_all = True
        with self.content.lock:
            below = self.walk(store, list(ns), MAX_NAMESPACE_DEPTH - len(ns))
            if delete_groups:
                for each in below:
                    ns_stats = self.content.remove_namespace_groups(store, each)
                    stats.add(ns_stats)
                    removed_all = removed_all and ns_stats.all_removed()
            for each in sorted(below, key=len, reverse=True):
                target = self.ns_dir(store, each)
                if not each or not target.is_dir():
                    continue
                children = target / "ns"
                if self.content.has_groups(store, each) or (children.is_dir() and any(children.iterdir())):
                    removed_all = False
                    continue
                shutil.rmtree(target)
        return removed_all, stats

    def delete_namespace(
        self, caller: str, store: str, ns_text: str, delete_groups: bool, error_on_protected: bool = True
    ) -> dict:
        """``DELETE .../namespace``: a namespace that keeps groups (or protected snapshots) stays and,
        with ``error-on-protected``, is an error."""
        ns = ns_components(ns_text)
        self._check_modification(caller, store, ns)
        self.require(store)
        removed_all, stats = self.remove_namespace_recursive(store, ns, delete_groups)
        if not removed_all and error_on_protected:
            raise ApiError(errors.GROUP_PARTIALLY_DELETED if delete_groups else errors.NAMESPACE_HAS_GROUPS)
        return stats.as_dict()
