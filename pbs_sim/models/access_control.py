"""The ACL API rules (``/access/acl``), the role list and the effective-permission report.

Follows pbs ``src/api2/access/acl.rs``, ``role.rs`` and ``list_permissions``: unprivileged callers
may only manage ACLs of their own tokens; adding needs an existing auth-id and a valid ACL path,
deleting accepts anything; groups are refused.
"""

from __future__ import annotations

from typing import Any

from pbs_sim import errors, grammar
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import AclFile, AclNode, check_acl_path, is_token, split_acl_path, user_of
from pbs_sim.models.permissions import PermissionResolver, priv_names_in_order
from pbs_sim.models.users import UserStore


def _collect(node: AclNode, path: str, exact: bool, own_user: str | None, out: list[dict[str, Any]]) -> None:
    shown = path or "/"
    for ugid, roles in node.users.items():
        if own_user is not None and (not is_token(ugid) or user_of(ugid) != own_user):
            continue
        for role, propagate in roles.items():
            out.append(
                {"path": shown, "ugid": ugid, "ugid_type": "user", "propagate": propagate, "roleid": role}
            )
    if own_user is None:
        for group, roles in node.groups.items():
            for role, propagate in roles.items():
                out.append(
                    {
                        "path": shown,
                        "ugid": group,
                        "ugid_type": "group",
                        "propagate": propagate,
                        "roleid": role,
                    }
                )
    if exact:
        return
    for name in sorted(node.children):
        _collect(node.children[name], f"{path}/{name}", exact, own_user, out)


class AccessControl:
    def __init__(self, acl_file: AclFile, users: UserStore, perms: PermissionResolver) -> None:
        self.acl = acl_file
        self._users = users
        self._perms = perms

    def read_acl(self, caller: str, path: str | None, exact: bool) -> tuple[list[dict[str, Any]], str]:
        tree, digest = self.acl.read()
        privileged = "Sys.Audit" in self._perms.lookup(caller, ["access", "acl"])
        out: list[dict[str, Any]] = []
        if privileged or not is_token(caller):
            own_user = None if privileged else user_of(caller)
            if path is not None:
                node = tree.find_node(path)
                if node is not None:
                    _collect(node, path, exact, own_user, out)
            else:
                _collect(tree.root, "", exact, own_user, out)
        return out, digest

    def update_acl(self, caller: str, params: dict[str, Any]) -> None:
        auth_id = params.get("auth-id")
        group = params.get("group")
        if "Permissions.Modify" not in self._perms.lookup(caller, ["access", "acl"]):
            if group is not None:
                raise ApiError("Unprivileged users are not allowed to create group ACL item.")
            if auth_id is None:
                raise ApiError("Unprivileged user needs to provide auth_id to update ACL item.")
            if is_token(caller):
                raise ApiError("Unprivileged API tokens can't set ACL items.")
            if not is_token(auth_id):
                raise ApiError("Unprivileged users can only set ACL items for API tokens.")
            if user_of(auth_id) != user_of(caller):
                raise ApiError("Unprivileged users can only set ACL items for their own API tokens.")
        with self.acl.locked():
            tree, digest = self.acl.read()
            self.acl.check_digest(params.get("digest"), digest)
            propagate = params.get("propagate", True)
            delete = params.get("delete", False)
            path, role = params["path"], params["role"]
            if group is not None:
                raise ApiError(f"parameter 'group' - {errors.GROUPS_NOT_SUPPORTED}")
            if auth_id is None:
                raise ApiError(errors.ACL_MISSING_AUTH_ID)
            if not delete and not self._users.exists(auth_id):
                raise ApiError(errors.NO_SUCH_API_TOKEN if is_token(auth_id) else errors.NO_SUCH_USER)
            if not delete:
                check_acl_path(path)
            if delete:
                tree.delete_user_role(path, auth_id, role)
            else:
                tree.insert_user_role(path, auth_id, role, propagate)
            self.acl.write(tree)

    @staticmethod
    def roles(version: tuple[int, int, int]) -> list[dict[str, Any]]:
        """``GET /access/roles`` (roles newer than the emulated version are left out)."""
        since = {role: (v.major, v.minor, v.release) for role, v in grammar.ROLE_SINCE.items()}
        return [
            {
                "roleid": role,
                "privs": priv_names_in_order(set(privs)),
                "comment": grammar.ROLE_COMMENTS.get(role, role),
            }
            for role, privs in grammar.ROLE_PRIVILEGES.items()
            if since.get(role, (0, 0, 0)) <= version
        ]

    def permissions(self, caller: str, auth_id: str | None, path: str | None) -> dict[str, dict[str, bool]]:
        target = caller
        if auth_id is not None and auth_id != caller:
            allowed = "Sys.Audit" in self._perms.lookup(caller, ["access"]) or (
                is_token(auth_id) and not is_token(caller) and user_of(auth_id) == user_of(caller)
            )
            if not allowed:
                raise ApiError(f"not allowed to list permissions of {auth_id}")
            target = auth_id
        if path is not None:
            paths = {path}
        else:
            tree, _ = self.acl.read()
            paths = {"/", "/access", "/datastore", "/remote", "/system"}
            stack = [(tree.root, "")]
            while stack:
                node, prefix = stack.pop()
                for name, child in node.children.items():
                    sub = f"{prefix}/{name}"
                    paths.add(sub)
                    stack.append((child, sub))
        result: dict[str, dict[str, bool]] = {}
        for each in sorted(paths):
            privs, propagated = self._perms.details(target, split_acl_path(each))
            if privs:
                result[each] = {name: name in propagated for name in priv_names_in_order(set(privs))}
        return result
