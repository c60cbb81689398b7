"""Privilege resolution: who may do what where (pbs-config's ``CachedUserInfo``).

``root@pam`` (exactly) is superuser with every privilege; everyone else gets the union of the roles
the ACL tree gives them on a path, and a token's privileges are its own intersected with its user's
(so ``root@pam!x`` is not superuser). Also the router-level permission kinds of proxmox-router
(:class:`Privilege`, :class:`UserParam`, :class:`Anybody`, :class:`World`, :class:`AnyOf`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pbs_sim import errors, grammar
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import ROOT_USERID, AclTree, is_token, user_of

ALL_PRIVILEGES = frozenset(grammar.PRIVILEGES)


def is_superuser(auth_id: str) -> bool:
    return auth_id == ROOT_USERID


def priv_names_in_order(privs: frozenset[str] | set[str]) -> list[str]:
    return [name for name in grammar.PRIVILEGES if name in privs]


class PermissionResolver:
    """Answers privilege questions against the current ACL tree."""

    def __init__(self, acl_reader: Callable[[], AclTree]) -> None:
        self._read_tree = acl_reader

    def details(
        self, auth_id: str, path: list[str], tree: AclTree | None = None
    ) -> tuple[frozenset[str], frozenset[str]]:
        """(privileges, propagated privileges) of ``auth_id`` on ``path``."""
        if is_superuser(auth_id):
            return ALL_PRIVILEGES, ALL_PRIVILEGES
        tree = tree or self._read_tree()
        privs: set[str] = set()
        propagated: set[str] = set()
        for role, propagate in tree.roles(auth_id, path).items():
            role_privs = grammar.ROLE_PRIVILEGES.get(role, frozenset())
            privs |= role_privs
            if propagate:
                propagated |= role_privs
        if is_token(auth_id):
            owner_privs, owner_propagated = self.details(user_of(auth_id), path, tree)
            privs &= owner_privs
            propagated &= owner_propagated
        return frozenset(privs), frozenset(propagated)

    def lookup(self, auth_id: str, path: list[str]) -> frozenset[str]:
        return self.details(auth_id, path)[0]

    def snapshot(self) -> Callable[[str, list[str]], frozenset[str]]:
        """`lookup` over one read of the ACL tree, memoised per (auth id, path): what PBS's
        ``CachedUserInfo::new()`` taken once per request gives a listing that checks every item."""
        tree: AclTree | None = None
        memo: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}

        def lookup(auth_id: str, path: list[str]) -> frozenset[str]:
            nonlocal tree
            key = (auth_id, tuple(path))
            found = memo.get(key)
            if found is None:
                if tree is None and not is_superuser(auth_id):
                    tree = self._read_tree()
                found = memo[key] = self.details(auth_id, path, tree)[0]
            return found

        return lookup

    def has(self, auth_id: str, path: list[str], *privs: str, partial: bool = False) -> bool:
        held = self.lookup(auth_id, path)
        wanted = set(privs)
        return bool(held & wanted) if partial else wanted <= held

    def check(self, auth_id: str, path: list[str], *privs: str, partial: bool = False) -> None:
        """``CachedUserInfo::check_privs``: a plain 400 naming the missing privileges."""
        if not self.has(auth_id, path, *privs, partial=partial):
            joiner = "|" if partial else "&"
            names = joiner.join(priv_names_in_order(set(privs)))
            raise errors.missing_permissions(names, "/" + "/".join(path))

    def any_privs_below(self, auth_id: str, path: list[str], *privs: str) -> bool:
        tree = self._read_tree()
        _, propagated = self.details(auth_id, path, tree)
        if propagated & set(privs):
            return True
        for child in tree.child_paths(auth_id, path):
            comps = [c for c in child.split("/") if c]
            if self.details(auth_id, comps, tree)[0] & set(privs):
                return True
        return False


# --- router-level permissions ------------------------------------------------------------------
class Permission:
    """A router-level permission (checked before parameters are parsed; failure = 403)."""

    requires_auth = True

    def allows(self, auth_id: str | None, uri_params: Mapping[str, str], perms: PermissionResolver) -> bool:
        raise NotImplementedError


class World(Permission):
    requires_auth = False

    def allows(self, auth_id: str | None, uri_params: Mapping[str, str], perms: PermissionResolver) -> bool:
        return True


class Anybody(Permission):
    def allows(self, auth_id: str | None, uri_params: Mapping[str, str], perms: PermissionResolver) -> bool:
        return auth_id is not None


@dataclass(frozen=True)
class Privilege(Permission):
    """Privileges on a path template such as ``("remote", "{name}")``."""

    path: tuple[str, ...]
    privs: tuple[str, ...]
    partial: bool = False

    def allows(self, auth_id: str | None, uri_params: Mapping[str, str], perms: PermissionResolver) -> bool:
        if auth_id is None:
            return False
        if is_superuser(auth_id):
            return True
        path = []
        for comp in self.path:
            if comp.startswith("{") and comp.endswith("}"):
                value = uri_params.get(comp[1:-1])
                if value is None:
                    return False
                path.append(value)
            else:
                path.append(comp)
        held = perms.lookup(auth_id, path)
        if not held:
            return False
        wanted = set(self.privs)
        return bool(held & wanted) if self.partial else wanted <= held


@dataclass(frozen=True)
class UserParam(Permission):
    """The caller is the user named by a URI parameter (tokens never match)."""

    param: str

    def allows(self, auth_id: str | None, uri_params: Mapping[str, str], perms: PermissionResolver) -> bool:
        return auth_id is not None and (is_superuser(auth_id) or uri_params.get(self.param) == auth_id)


@dataclass(frozen=True)
class AnyOf(Permission):
    options: tuple[Permission, ...]

    def allows(self, auth_id: str | None, uri_params: Mapping[str, str], perms: PermissionResolver) -> bool:
        return any(option.allows(auth_id, uri_params, perms) for option in self.options)


def forbidden() -> ApiError:
    return ApiError(errors.PERMISSION_CHECK_FAILED, 403)
