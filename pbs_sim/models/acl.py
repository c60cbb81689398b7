"""ACLs: PBS's ACL tree, ``acl.cfg`` reading/writing, path validation and role resolution.

Mirrors pbs-config's ``AclTree``: per path node a map auth-id -> {role: propagate}; adding ``NoAccess``
replaces an auth-id's roles on that node and adding another role removes ``NoAccess``; role lookup walks
from ``/`` to the path, a deeper non-empty node replacing what was inherited, non-propagating roles
counting only on the exact node. ``acl.cfg`` lines: ``acl:<0|1>:<path>:<ugids>:<roles>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pbs_sim import grammar
from pbs_sim.config_store import ConfigFile, sha256_hex
from pbs_sim.errors import ApiError

NO_ACCESS = grammar.roles.NO_ACCESS
ROOT_USERID = grammar.ROOT_USERID


def split_acl_path(path: str) -> list[str]:
    return grammar.ids.split_acl_path(path)


def check_acl_path(path: str) -> None:
    """PBS's ``check_acl_path`` (from pbs_types) as an API error."""
    try:
        grammar.ids.check_acl_path(path)
    except grammar.PbsValueError as exc:
        raise ApiError(str(exc)) from None


def is_token(auth_id: str) -> bool:
    return "!" in auth_id


def user_of(auth_id: str) -> str:
    return auth_id.split("!", 1)[0]


@dataclass
class AclNode:
    users: dict[str, dict[str, bool]] = field(default_factory=dict)
    groups: dict[str, dict[str, bool]] = field(default_factory=dict)
    children: dict[str, AclNode] = field(default_factory=dict)

    def extract_roles(self, auth_id: str, leaf: bool) -> dict[str, bool]:
        result: dict[str, bool] = {}
        for role, propagate in self.users.get(auth_id, {}).items():
            if propagate or leaf:
                if role == NO_ACCESS:
                    return {NO_ACCESS: False}
                result[role] = propagate
        return result  # group membership is never true in PBS (no groups), so no group roles

    def insert_role(self, table: dict[str, dict[str, bool]], ugid: str, role: str, propagate: bool) -> None:
        roles = table.setdefault(ugid, {})
        if role == NO_ACCESS:
            roles.clear()
        else:
            roles.pop(NO_ACCESS, None)
        roles[role] = propagate

    def delete_authid(self, auth_id: str) -> None:
        for child in self.children.values():
            child.delete_authid(auth_id)
        self.users.pop(auth_id, None)

    def child_paths_with_roles(self, prefix: str, auth_id: str, out: list[str]) -> None:
        for name in sorted(self.children):
            child = self.children[name]
            path = f"{prefix}/{name}"
            if child.extract_roles(auth_id, True):
                out.append(path)
            child.child_paths_with_roles(path, auth_id, out)


class AclTree:
    def __init__(self) -> None:
        self.root = AclNode()

    def find_node(self, path: str) -> AclNode | None:
        node = self.root
        for comp in split_acl_path(path):
            child = node.children.get(comp)
            if child is None:
                return None
            node = child
        return node

    def _node_for_insert(self, path: str) -> AclNode:
        node = self.root
        for comp in split_acl_path(path):
            node = node.children.setdefault(comp, AclNode())
        return node

    def insert_user_role(self, path: str, auth_id: str, role: str, propagate: bool) -> None:
        node = self._node_for_insert(path)
        node.insert_role(node.users, auth_id, role, propagate)

    def delete_user_role(self, path: str, auth_id: str, role: str) -> None:
        node = self.find_node(path)
        if node is not None and auth_id in node.users:
            node.users[auth_id].pop(role, None)

    def delete_authid(self, auth_id: str) -> None:
        self.root.delete_authid(auth_id)

    def delete_node(self, path: str) -> None:
        comps = split_acl_path(path)
        if not comps:
            return
        parent = self.find_node("/" + "/".join(comps[:-1]))
        if parent is not None:
            parent.children.pop(comps[-1], None)

    def roles(self, auth_id: str, path: list[str]) -> dict[str, bool]:
        node = self.root
        role_map = node.extract_roles(auth_id, not path)
        for index, comp in enumerate(path):
            child = node.children.get(comp)
            if child is None:
                return role_map
            node = child
            new_map = node.extract_roles(auth_id, index == len(path) - 1)
            if new_map:
                role_map = new_map
        return role_map

    def child_paths(self, auth_id: str, path: list[str]) -> list[str]:
        node = self.root
        for comp in path:
            child = node.children.get(comp)
            if child is None:
                return []
            node = child
        out: list[str] = []
        node.child_paths_with_roles("/".join(path), auth_id, out)
        return out

    # --- acl.cfg -------------------------------------------------------------------------------
    @classmethod
    def parse(cls, raw: str, filename: str = "acl.cfg") -> AclTree:
        tree = cls()
        for line_no, line in enumerate(raw.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            items = line.split(":")
            if len(items) != 5 or items[0] != "acl" or items[1] not in ("0", "1"):
                raise ValueError(f"unable to parse acl config {filename!r}, line {line_no}")
            propagate = items[1] == "1"
            node = tree._node_for_insert(items[2])
            for ugid in (v.strip() for v in items[3].split(",")):
                for role in (r.strip() for r in items[4].split(",")):
                    if role not in grammar.ROLE_PRIVILEGES:
                        raise ValueError(f"unknown role '{role}'")
                    if ugid.startswith("@"):
                        node.insert_role(node.groups, ugid[1:], role, propagate)
                    else:
                        node.insert_role(node.users, ugid, role, propagate)
        return tree

    def format(self) -> str:
        lines: list[str] = []
        self._format_node(self.root, "", lines)
        return "".join(lines)

    def _format_node(self, node: AclNode, path: str, lines: list[str]) -> None:
        by_flag: dict[bool, dict[str, set[str]]] = {False: {}, True: {}}
        for auth_id, roles in node.users.items():
            if auth_id == ROOT_USERID:
                continue
            for role, propagate in roles.items():
                by_flag[propagate].setdefault(role, set()).add(auth_id)
        for group, roles in node.groups.items():
            for role, propagate in roles.items():
                by_flag[propagate].setdefault(role, set()).add(f"@{group}")
        shown_path = path or "/"
        for flag in (False, True):
            grouped: dict[str, set[str]] = {}
            for role, ugids in by_flag[flag].items():
                grouped.setdefault(",".join(sorted(ugids)), set()).add(role)
            for uglist in sorted(grouped):
                roles = grouped[uglist]
                role_list = NO_ACCESS if NO_ACCESS in roles else ",".join(sorted(roles))
                lines.append(f"acl:{int(flag)}:{shown_path}:{uglist}:{role_list}\n")
        for name in sorted(node.children):
            self._format_node(node.children[name], f"{path}/{name}", lines)


class AclFile(ConfigFile):
    """``acl.cfg`` with its digest."""

    def read(self) -> tuple[AclTree, str]:
        raw = self.read_raw()
        try:
            tree = AclTree.parse(raw.decode("utf-8"), str(self.path))
        except ValueError as exc:
            raise ApiError(str(exc)) from None
        return tree, sha256_hex(raw)

    def write(self, tree: AclTree) -> None:
        self.write_raw(tree.format().encode("utf-8"))
