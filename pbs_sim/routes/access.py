"""``/version`` and ``/access/*``: tickets, users, passwords, tokens, ACLs, roles, permissions."""

from __future__ import annotations

import json
from typing import Any

from pbs_sim import api_types, errors
from pbs_sim.errors import ApiError
from pbs_sim.models.auth import AuthFailure
from pbs_sim.models.permissions import Anybody, AnyOf, Privilege, UserParam, World
from pbs_sim.routes.router import RawReply, Reply, Router
from pbs_sim.schema import ArraySchema, BooleanSchema, ObjectSchema, Property, StringSchema
from pbs_sim.web.app import CLEAR_COOKIE, Context

EMPTY = ObjectSchema({})
USERID_PARAM = {"userid": Property(api_types.USERID, optional=False)}
TOKEN_PARAMS = {**USERID_PARAM, "token-name": Property(api_types.TOKEN_NAME, optional=False)}

USER_READ = AnyOf((Privilege(("access", "users"), ("Sys.Audit",)), UserParam("userid")))
USER_MODIFY = AnyOf((Privilege(("access", "users"), ("Permissions.Modify",)), UserParam("userid")))


# --- version -------------------------------------------------------------------------------------
def get_version(ctx: Context, params: dict[str, Any]) -> Reply:
    identity = ctx.backend.identity
    major, minor, release = identity.version_tuple
    return Reply({"version": f"{major}.{minor}", "release": str(release), "repoid": identity.repoid})


# --- tickets -------------------------------------------------------------------------------------
def _ticket_schema(version: tuple[int, int, int]) -> ObjectSchema:
    return ObjectSchema(
        {
            "username": Property(api_types.USERID, optional=False),
            "password": Property(StringSchema()),
            "tfa-challenge": Property(StringSchema()),
            "path": Property(StringSchema()),
            "privs": Property(StringSchema()),
            "port": Property(api_types.PORT),
            "http-only": Property(BooleanSchema(default=False), since=(4, 0, 5)),
        }
    )


def create_ticket(ctx: Context, params: dict[str, Any]) -> RawReply:
    password = params.get("password")
    if password is None:
        raise ApiError(errors.NO_PASSWORD)
    try:
        result = ctx.backend.auth.login(params["username"], password)
    except AuthFailure:
        raise ApiError(errors.LOGIN_FAILED, 401) from None
    data: dict[str, Any] = {"username": result.username, "CSRFPreventionToken": result.csrf_token}
    headers: list[tuple[str, str]] = []
    if params.get("http-only"):
        cookie = f"__Host-PBSAuthCookie={result.ticket}; Secure; SameSite=Lax; HttpOnly; Path=/;"
        headers.append(("Set-Cookie", cookie))
        data["ticket-info"] = result.ticket.rsplit("::", 1)[0]
    else:
        data["ticket"] = result.ticket
    body = json.dumps({"data": data, "status": 200, "success": True}).encode()
    return RawReply(body, content_type="application/json", headers=headers)


def delete_ticket(ctx: Context, params: dict[str, Any]) -> RawReply:
    body = json.dumps({"data": {}, "status": 200, "success": True}).encode()
    return RawReply(body, headers=[("Set-Cookie", CLEAR_COOKIE)])


# --- users -----------------------------------------------------------------------------------------
def list_users(ctx: Context, params: dict[str, Any]) -> Reply:
    users, digest = ctx.backend.users.list_users(ctx.auth_id or "", params.get("include_tokens", False))
    return Reply(users, {"digest": digest})


def create_user(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.users.create_user(ctx.auth_id or "", params)
    return Reply(None)


def read_user(ctx: Context, params: dict[str, Any]) -> Reply:
    user, digest = ctx.backend.users.read_user(params["userid"])
    return Reply(user, {"digest": digest})


def update_user(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.users.update_user(params["userid"], params)
    return Reply(None)


def delete_user(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.users.delete_user(params["userid"], params.get("digest"))
    return Reply(None)


USER_CREATE_SCHEMA = api_types.USER_CONFIG.extend({"password": Property(api_types.PBS_PASSWORD)})
USER_UPDATE_SCHEMA = (
    api_types.USER_CONFIG.all_optional()
    .extend(USERID_PARAM)
    .extend(
        {
            "password": Property(api_types.REMOTE_PASSWORD),
            "delete": Property(ArraySchema(StringSchema(enum=("comment", "firstname", "lastname", "email")))),
            "digest": api_types.digest_property(),
        }
    )
)


# --- password --------------------------------------------------------------------------------------
def change_password(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.users.change_password(
        ctx.auth_id or "", params["userid"], params["password"], params.get("confirmation-password")
    )
    return Reply(None)


# `confirmation-password`: a String of 1-1024 characters in PASSWORD_FORMAT, the bounds and format
# of PBS's PASSWORD_SCHEMA (the same rule as a remote's password).
PASSWORD_CHANGE_SCHEMA = ObjectSchema(
    {
        **USERID_PARAM,
        "password": Property(api_types.PBS_PASSWORD, optional=False),
        "confirmation-password": Property(api_types.REMOTE_PASSWORD),
    }
)


# --- tokens ----------------------------------------------------------------------------------------
def list_tokens(ctx: Context, params: dict[str, Any]) -> Reply:
    tokens, digest = ctx.backend.users.list_tokens(params["userid"])
    return Reply(tokens, {"digest": digest})


def read_token(ctx: Context, params: dict[str, Any]) -> Reply:
    token, digest = ctx.backend.users.read_token(params["userid"], params["token-name"])
    return Reply(token, {"digest": digest})


def generate_token(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(ctx.backend.users.generate_token(params["userid"], params["token-name"], params))


def update_token(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(ctx.backend.users.update_token(params["userid"], params["token-name"], params))


def delete_token(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.users.delete_token(params["userid"], params["token-name"], params.get("digest"))
    return Reply(None)


TOKEN_FIELDS = {
    "comment": Property(api_types.SINGLE_LINE_COMMENT),
    "enable": Property(api_types.ENABLE_USER),
    "expire": Property(api_types.EXPIRE_USER),
    "digest": api_types.digest_property(),
}
TOKEN_CREATE_SCHEMA = ObjectSchema({**TOKEN_PARAMS, **TOKEN_FIELDS})
TOKEN_UPDATE_SCHEMA = ObjectSchema(
    {
        **TOKEN_PARAMS,
        **TOKEN_FIELDS,
        "regenerate": Property(BooleanSchema(default=False)),
        "delete": Property(ArraySchema(StringSchema(enum=("comment",)))),
    }
)


# --- ACLs, roles, permissions ----------------------------------------------------------------------
def read_acl(ctx: Context, params: dict[str, Any]) -> Reply:
    entries, digest = ctx.backend.access.read_acl(
        ctx.auth_id or "", params.get("path"), params.get("exact", False)
    )
    return Reply(entries, {"digest": digest})


def update_acl(ctx: Context, params: dict[str, Any]) -> Reply:
    ctx.backend.access.update_acl(ctx.auth_id or "", params)
    return Reply(None)


def list_roles(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(ctx.backend.access.roles(ctx.backend.identity.version_tuple))


def list_permissions(ctx: Context, params: dict[str, Any]) -> Reply:
    return Reply(ctx.backend.access.permissions(ctx.auth_id or "", params.get("auth-id"), params.get("path")))


ACL_UPDATE_SCHEMA = ObjectSchema(
    {
        "path": Property(api_types.ACL_PATH, optional=False),
        "role": Property(api_types.ROLE, optional=False),
        "propagate": Property(BooleanSchema(default=True)),
        "auth-id": Property(api_types.AUTHID),
        "group": Property(api_types.GROUP_ID),
        "delete": Property(BooleanSchema()),
        "digest": api_types.digest_property(),
    }
)


def register(router: Router) -> None:
    anybody = Anybody()
    router.add("GET", "/version", get_version, EMPTY, anybody)
    router.add("POST", "/access/ticket", create_ticket, _ticket_schema, World())
    router.add("DELETE", "/access/ticket", delete_ticket, EMPTY, World())

    router.add(
        "GET",
        "/access/users",
        list_users,
        ObjectSchema({"include_tokens": Property(BooleanSchema(default=False))}),
        anybody,
    )
    router.add(
        "POST",
        "/access/users",
        create_user,
        USER_CREATE_SCHEMA,
        Privilege(("access", "users"), ("Permissions.Modify",)),
    )
    router.add("GET", "/access/users/{userid}", read_user, ObjectSchema(USERID_PARAM), USER_READ)
    router.add("PUT", "/access/users/{userid}", update_user, USER_UPDATE_SCHEMA, USER_MODIFY)
    router.add(
        "DELETE",
        "/access/users/{userid}",
        delete_user,
        ObjectSchema({**USERID_PARAM, "digest": api_types.digest_property()}),
        USER_MODIFY,
    )
    router.add("PUT", "/access/password", change_password, PASSWORD_CHANGE_SCHEMA, anybody)
    router.add("GET", "/access/users/{userid}/token", list_tokens, ObjectSchema(USERID_PARAM), USER_READ)
    router.add(
        "GET", "/access/users/{userid}/token/{token-name}", read_token, ObjectSchema(TOKEN_PARAMS), USER_READ
    )
    router.add(
        "POST", "/access/users/{userid}/token/{token-name}", generate_token, TOKEN_CREATE_SCHEMA, USER_MODIFY
    )
    router.add(
        "PUT", "/access/users/{userid}/token/{token-name}", update_token, TOKEN_UPDATE_SCHEMA, USER_MODIFY
    )
    router.add(
        "DELETE",
        "/access/users/{userid}/token/{token-name}",
        delete_token,
        ObjectSchema({**TOKEN_PARAMS, "digest": api_types.digest_property()}),
        USER_MODIFY,
    )

    router.add(
        "GET",
        "/access/acl",
        read_acl,
        ObjectSchema({"path": Property(api_types.ACL_PATH), "exact": Property(BooleanSchema(default=False))}),
        anybody,
    )
    router.add("PUT", "/access/acl", update_acl, ACL_UPDATE_SCHEMA, anybody)
    router.add("GET", "/access/roles", list_roles, EMPTY, anybody)
    router.add(
        "GET",
        "/access/permissions",
        list_permissions,
        ObjectSchema({"auth-id": Property(api_types.AUTHID), "path": Property(api_types.ACL_PATH)}),
        anybody,
    )
