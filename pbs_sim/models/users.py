"""Users and API tokens: ``user.cfg`` (``user:``/``token:`` sections), secrets, activity and the API rules.

``root@pam`` always exists even when absent from ``user.cfg`` (PBS inserts it on read). Token secrets
are generated as lower-case UUIDs, returned once (``value`` on create, ``secret`` on regenerate) and
stored hashed in ``token.shadow``; ``pbs``-realm passwords (and the simulated PAM ``root@pam``
password) live hashed in ``shadow.json``.

``PUT /access/password`` follows pbs ``src/api2/access/mod.rs`` ``change_password`` (with
``user_update_auth``): every caller but ``root@pam`` (and its tokens) confirms with its own password
(401 on failure, with the realm authenticator's text); the target must exist (401); tokens are then
refused; a user may change its own password, ``root@pam`` any, and holders of Permissions.Modify on
``/`` those outside the ``pam`` realm. PAM is simulated: a ``pam`` user's password is kept like a
``pbs`` one, as if every ``pam`` user were a Linux account.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pbs_sim import api_types, errors
from pbs_sim.config_store import SectionConfigFile
from pbs_sim.errors import ApiError
from pbs_sim.models.acl import ROOT_USERID, AclFile, is_token, user_of
from pbs_sim.models.permissions import PermissionResolver, is_superuser
from pbs_sim.models.secrets import SecretStore
from pbs_sim.section_config import SectionConfigData, SectionType
from pbs_types.config_text import rust_trim

USER_TYPES = {
    "user": SectionType("user", "userid", api_types.USER_CONFIG),
    "token": SectionType("token", "tokenid", api_types.TOKEN_CONFIG),
}
KNOWN_REALMS = ("pam", "pbs")
USER_DELETABLE = ("comment", "firstname", "lastname", "email")


def _realm(userid: str) -> str:
    return userid.rsplit("@", 1)[1]


def _is_active(props: dict[str, Any], now: int) -> bool:
    if props.get("enable") is False:
        return False
    expire = props.get("expire")
    return not (expire and expire > 0 and expire <= now)


def _apply_enable_expire(props: dict[str, Any], params: dict[str, Any]) -> None:
    """PBS stores `enable=true` and `expire=0` as absent (users and tokens alike)."""
    if "enable" in params:
        if params["enable"]:
            props.pop("enable", None)
        else:
            props["enable"] = False
    if "expire" in params:
        if params["expire"] > 0:
            props["expire"] = params["expire"]
        else:
            props.pop("expire", None)


def _apply_comment(props: dict[str, Any], comment: str | None) -> None:
    if comment is None:
        return
    trimmed = rust_trim(comment)
    if trimmed:
        props["comment"] = trimmed
    else:
        props.pop("comment", None)


class UserStore:
    def __init__(
        self, data_dir: Path, now: Callable[[], int], acl_file: AclFile, perms: PermissionResolver
    ) -> None:
        self.file = SectionConfigFile(data_dir / "user.cfg", USER_TYPES)
        self.token_secrets = SecretStore(data_dir / "token.shadow")
        self.passwords = SecretStore(data_dir / "shadow.json")
        self._now = now
        self._acl = acl_file
        self._perms = perms

    # --- reading ---------------------------------------------------------------------------------
    def read(self) -> tuple[SectionConfigData, str]:
        data, digest = self.file.read()
        if data.get(ROOT_USERID) is None:
            data.set(ROOT_USERID, "user", {"comment": "Superuser"})
        return data, digest

    def section(self, data: SectionConfigData, key: str, type_name: str) -> dict[str, Any] | None:
        found = data.get(key)
        if found is None or found[0] != type_name:
            return None
        return found[1]

    def is_active(self, auth_id: str) -> bool:
        data, _ = self.read()
        now = self._now()
        user = self.section(data, user_of(auth_id), "user")
        if user is None or not _is_active(user, now):
            return False
        if is_token(auth_id):
            token = self.section(data, auth_id, "token")
            return token is not None and _is_active(token, now)
        return True

    def exists(self, auth_id: str) -> bool:
        data, _ = self.read()
        return data.get(auth_id) is not None

    def verify_token_secret(self, tokenid: str, secret: str) -> bool:
        return self.token_secrets.verify(tokenid, secret)

    def verify_password(self, userid: str, password: str) -> bool:
        return self.authentication_error(userid, password) is None

    def authentication_error(self, userid: str, password: str) -> str | None:
        """Why ``password`` does not authenticate ``userid``, as PBS's realm authenticator says it
        (``src/auth.rs`` ``authenticate_user``), or None when it does."""
        realm = _realm(userid)
        if realm == "pbs":
            if not self.passwords.has(userid):
                return errors.NO_PASSWORD_SET
            return None if self.passwords.verify(userid, password) else errors.INVALID_CREDENTIALS
        if realm == "pam":
            return None if self.passwords.verify(userid, password) else errors.PAM_AUTH_ERR
        return errors.unknown_realm(realm).message

    # --- bootstrap ------------------------------------------------------------------------------
    def ensure_token(self, tokenid: str, secret: str) -> None:
        """Create or update a token with a known secret (the CLI's ``--token``)."""
        with self.file.locked():
            data, _ = self.read()
            if data.get(tokenid) is None:
                data.set(tokenid, "token", {})
                self.file.write(data)
            self.token_secrets.set(tokenid, secret)

    def set_password(self, userid: str, password: str) -> None:
        self.passwords.set(userid, password)

    # --- API: users -----------------------------------------------------------------------------
    @staticmethod
    def _user_item(userid: str, props: dict[str, Any]) -> dict[str, Any]:
        return {"userid": userid, **props}

    def list_users(self, caller: str, include_tokens: bool) -> tuple[list[dict[str, Any]], str]:
        data, digest = self.read()
        see_all = "Sys.Audit" in self._perms.lookup(caller, ["access", "users"])
        own = user_of(caller)
        tokens_by_user: dict[str, list[dict[str, Any]]] = {}
        if include_tokens:
            for tokenid, props in data.items("token"):
                tokens_by_user.setdefault(user_of(tokenid), []).append({"tokenid": tokenid, **props})
        result = []
        for userid, props in data.items("user"):
            if not see_all and userid != own:
                continue
            item = self._user_item(userid, props)
            if tokens_by_user.get(userid):
                item["tokens"] = tokens_by_user[userid]
            result.append(item)
        return result, digest

    def create_user(self, caller: str, params: dict[str, Any]) -> None:
        password = params.pop("password", None)
        userid = params["userid"]
        with self.file.locked():
            data, _ = self.read()
            if data.get(userid) is not None:
                raise errors.user_exists(userid)
            realm = _realm(userid)
            props = {k: v for k, v in params.items() if k != "userid"}
            data.set(userid, "user", props)
            if realm not in KNOWN_REALMS:
                raise errors.unknown_realm(realm)
            self.file.write(data)
        if password is not None:
            if realm == "pam" and not is_superuser(caller):
                raise ApiError(errors.ONLY_SUPERUSER_PAM)
            self.passwords.set(userid, password)

    def read_user(self, userid: str) -> tuple[dict[str, Any], str]:
        data, digest = self.read()
        props = self.section(data, userid, "user")
        if props is None:
            raise errors.no_such_section("user", userid)
        return self._user_item(userid, props), digest

    def update_user(self, userid: str, params: dict[str, Any]) -> None:
        params.pop("password", None)  # PBS ignores it here (use PUT /access/password)
        with self.file.locked():
            data, digest = self.read()
            self.file.check_digest(params.get("digest"), digest)
            props = self.section(data, userid, "user")
            if props is None:
                raise errors.no_such_section("user", userid)
            for name in params.get("delete", []):
                props.pop(name, None)
            _apply_comment(props, params.get("comment"))
            _apply_enable_expire(props, params)
            for name in ("firstname", "lastname", "email"):
                if name in params:
                    if params[name]:
                        props[name] = params[name]
                    else:
                        props.pop(name, None)
            data.set(userid, "user", props)
            self.file.write(data)

    def delete_user(self, userid: str, digest: str | None) -> None:
        with self.file.locked(), self._acl.locked():
            data, current = self.read()
            self.file.check_digest(digest, current)
            if not data.remove(userid):
                raise errors.user_does_not_exist(userid)
            self.passwords.delete(userid)
            tree, _ = self._acl.read()
            for tokenid, _props in data.items("token"):
                if user_of(tokenid) == userid:
                    data.remove(tokenid)
                    self.token_secrets.delete(tokenid)
                    tree.delete_authid(tokenid)
            self.file.write(data)
            self._acl.write(tree)

    def change_password(self, caller: str, userid: str, password: str, confirmation: str | None) -> None:
        """``PUT /access/password``, checks in PBS's order (see the module docstring)."""
        caller_user = user_of(caller)
        if caller_user != ROOT_USERID:
            if confirmation is None:
                raise errors.confirmation_failed(errors.MISSING_PASSWORD)
            reason = self.authentication_error(caller_user, confirmation)
            if reason is not None:
                raise errors.confirmation_failed(reason)
        if caller_user != userid:
            data, _ = self.read()
            if self.section(data, userid, "user") is None:
                raise errors.password_target_missing(userid)
        if is_token(caller):
            raise ApiError(errors.TOKENS_CANNOT_CHANGE_PASSWORD)
        realm = _realm(userid)
        allowed = userid == caller_user or is_superuser(caller)
        if not allowed and realm != "pam":
            allowed = "Permissions.Modify" in self._perms.lookup(caller, [])  # privileges on `/`
        if not allowed:
            raise ApiError(errors.NOT_AUTHORIZED_TO_CHANGE_PASSWORD)
        if realm not in KNOWN_REALMS:
            raise errors.unknown_realm(realm)
        self.passwords.set(userid, password)

    # --- API: tokens ----------------------------------------------------------------------------
    def list_tokens(self, userid: str) -> tuple[list[dict[str, Any]], str]:
        data, digest = self.read()
        result = []
        for tokenid, props in data.items("token"):
            if user_of(tokenid) == userid and is_token(tokenid):
                name = tokenid.split("!", 1)[1]
                result.append({"token-name": name, "tokenid": tokenid, **props})
        return result, digest

    def read_token(self, userid: str, name: str) -> tuple[dict[str, Any], str]:
        data, digest = self.read()
        tokenid = f"{userid}!{name}"
        props = self.section(data, tokenid, "token")
        if props is None:
            raise errors.no_such_section("token", tokenid)
        return {"tokenid": tokenid, **props}, digest

    def generate_token(self, userid: str, name: str, params: dict[str, Any]) -> dict[str, str]:
        with self.file.locked():
            data, digest = self.read()
            self.file.check_digest(params.get("digest"), digest)
            tokenid = f"{userid}!{name}"
            if data.get(tokenid) is not None:
                raise errors.token_exists(name, userid)
            secret = str(uuid.uuid4())
            self.token_secrets.set(tokenid, secret)
            props = {k: params[k] for k in ("comment", "enable", "expire") if k in params}
            data.set(tokenid, "token", props)
            try:
                # a token id over 64 characters fails here, as in PBS (`syntax error in section
                # identifier`); unlike PBS, the secret set just before is not left behind
                self.file.write(data)
            except ApiError:
                self.token_secrets.delete(tokenid)
                raise
        return {"tokenid": tokenid, "value": secret}

    def update_token(self, userid: str, name: str, params: dict[str, Any]) -> dict[str, str] | None:
        with self.file.locked():
            data, digest = self.read()
            self.file.check_digest(params.get("digest"), digest)
            tokenid = f"{userid}!{name}"
            props = self.section(data, tokenid, "token")
            if props is None:
                raise errors.no_such_section("token", tokenid)
            for field in params.get("delete", []):
                props.pop(field, None)
            _apply_comment(props, params.get("comment"))
            _apply_enable_expire(props, params)
            new_secret = None
            if params.get("regenerate"):
                new_secret = str(uuid.uuid4())
                self.token_secrets.set(tokenid, new_secret)
            data.set(tokenid, "token", props)
            self.file.write(data)
        return {"secret": new_secret} if new_secret is not None else None

    def delete_token(self, userid: str, name: str, digest: str | None) -> None:
        with self._acl.locked(), self.file.locked():
            data, current = self.read()
            self.file.check_digest(digest, current)
            tokenid = f"{userid}!{name}"
            if not data.remove(tokenid):
                raise errors.token_does_not_exist(name, userid)
            self.token_secrets.delete(tokenid)
            tree, _ = self._acl.read()
            tree.delete_authid(tokenid)
            self.file.write(data)
            self._acl.write(tree)
