"""The request pipeline of proxmox-rest-server, in PBS's order.

path normalisation (``.``-segments -> 400) -> URI length (414) -> ``/api2/<format>`` (400 for an
unknown format) -> route lookup -> authentication unless the method is ``World`` (401
``authentication failed``) -> unknown path 404 -> router-level permission (403) -> parameter parsing
(form + query, or JSON body with the query ignored) -> handler -> formatter (``json``: bare error text
with PBS's status; ``extjs``: status 200 envelope).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from pbs_sim import errors
from pbs_sim.errors import ApiError, ParameterError, SchemaViolation
from pbs_sim.models.auth import HOST_COOKIE_NAME, AuthFailure
from pbs_sim.models.backend import PbsBackend
from pbs_sim.routes.router import RawReply, Reply, Route, Router
from pbs_sim.web.faults import FaultRegistry
from pbs_sim.web.request_log import RequestLog

log = logging.getLogger("pbs_sim")

MAX_URI_QUERY_LENGTH = 3072
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
CLEAR_COOKIE = (
    f"{HOST_COOKIE_NAME}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Lax; HttpOnly; Path=/;"
)


@dataclass
class Request:
    method: str
    path: str  # raw path, no query
    query: str
    headers: dict[str, str]  # lower-case names
    cookies: list[str]
    body: bytes
    client: tuple[str, int] = ("127.0.0.1", 0)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    auth_id: str | None = None


@dataclass
class Context:
    """What a handler may use: the backend, the caller and the raw request."""

    backend: PbsBackend
    auth_id: str | None
    request: Request
    control: SimControl | None = None


@dataclass
class SimControl:
    """Simulator-only state the side channel manipulates (faults, request log)."""

    faults: FaultRegistry
    requests: RequestLog


def normalize_path(path: str) -> str:
    parts = []
    for item in path.split("/"):
        if not item:
            continue
        if item.startswith("."):
            raise ApiError(errors.ILLEGAL_PATH)
        parts.append(item)
    return "/" + "/".join(parts) if parts else ""


def _max_body(version: tuple[int, int, int]) -> int:
    return 512 * 1024 if version >= (3, 4, 0) else 64 * 1024


class App:
    def __init__(
        self,
        backend: PbsBackend,
        router: Router,
        control: SimControl,
        unauth_delay: Callable[[], None] | None = None,
    ) -> None:
        self.backend = backend
        self.router = router
        self.control = control
        self._unauth_delay = unauth_delay

    # --- entry point -------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            return self._handle(request)
        except ApiError as exc:
            return self._plain_error(exc.status, exc.message)
        except Exception:
            log.exception("internal error handling %s %s", request.method, request.path)
            return self._plain_error(500, "internal server error")

    def authenticate(self, request: Request) -> str:
        return self.backend.auth.authenticate(request.headers, request.cookies, request.method)

    def _handle(self, request: Request) -> Response:
        path = normalize_path(request.path)
        if len(path) + len(request.query) > MAX_URI_QUERY_LENGTH:
            return Response(414)
        components = [c for c in path.split("/") if c]
        if not components or components[0] != "api2":
            if request.method != "GET":
                raise ApiError(errors.INVALID_HTTP_METHOD)
            if not components:
                body = b"<!DOCTYPE html><html><head><title>Proxmox Backup Server</title></head></html>"
                return Response(200, body, [("Content-Type", "text/html")])
            return Response(404, b"", [])
        if len(components) == 1:
            raise errors.invalid_api_path(path)
        fmt = components[1]
        if fmt not in ("json", "extjs"):
            raise errors.unsupported_format(fmt)
        found = self.router.find(request.method, components[2:])
        auth_id: str | None = None
        if found is None or found[0].permission.requires_auth:
            try:
                auth_id = self.authenticate(request)
            except AuthFailure as exc:
                log.info("authentication failure: %s %s - %s", request.method, path, exc)
                if self._unauth_delay is not None:
                    self._unauth_delay()
                response = self._plain_error(401, errors.AUTHENTICATION_FAILED)
                response.headers.append(("Set-Cookie", CLEAR_COOKIE))
                return response
        if found is None:
            return self._format_error(fmt, errors.path_not_found(path), auth_id)
        route, uri_params = found
        if not route.permission.allows(auth_id, uri_params, self.backend.perms):
            return self._format_error(fmt, ApiError(errors.PERMISSION_CHECK_FAILED, 403), auth_id)
        try:
            params = self._parameters(route, request, uri_params)
            route.input_schema(self.backend.identity.version_tuple).deserialize(params)
            reply = route.handler(Context(self.backend, auth_id, request, self.control), params)
        except ApiError as exc:
            if exc.status == 401 and self._unauth_delay is not None:
                self._unauth_delay()  # PBS delays failed logins like failed authentication
            response = self._format_error(fmt, exc, auth_id)
            if response.status == 401:
                response.headers.append(("Set-Cookie", CLEAR_COOKIE))
            return response
        if isinstance(reply, RawReply):
            headers = [("Content-Type", reply.content_type), *reply.headers]
            return Response(reply.status, reply.body, headers, auth_id)
        return self._format_data(fmt, reply, auth_id)

    # --- parameters --------------------------------------------------------------------------------
    def _parameters(self, route: Route, request: Request, uri_params: dict[str, str]) -> dict[str, Any]:
        schema = route.input_schema(self.backend.identity.version_tuple)
        query_pairs = [(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k != "_dc"]
        if route.query_only:
            return schema.parse_form([*query_pairs, *uri_params.items()])
        content_type = request.headers.get("content-type")
        is_json = False
        if content_type is not None:
            kind = content_type.split(";", 1)[0]
            if kind == "application/json":
                is_json = True
            elif kind != "application/x-www-form-urlencoded":
                raise errors.unsupported_content_type(content_type)
        if len(request.body) >= _max_body(self.backend.identity.version_tuple):
            raise ApiError(errors.REQUEST_BODY_TOO_LARGE)
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.body_not_utf8() from None
        if is_json:
            try:
                data = json.loads(text) if text else {}
            except json.JSONDecodeError as exc:
                raise errors.json_body_error(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
            if not isinstance(data, dict):
                schema.verify_json(data)
            for key, value in uri_params.items():
                prop = schema.properties.get(key)
                if prop is not None:
                    try:
                        data[key] = prop.schema.parse_simple(value)
                    except SchemaViolation as exc:
                        raise ApiError(exc.message) from None
            schema.verify_json(data)
            return data
        pairs = parse_qsl(text, keep_blank_values=True) if text else []
        return schema.parse_form([*pairs, *query_pairs, *uri_params.items()])

    # --- formatting --------------------------------------------------------------------------------
    @staticmethod
    def _json_response(status: int, payload: Any, auth_id: str | None) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return Response(status, body, [("Content-Type", JSON_CONTENT_TYPE)], auth_id)

    @staticmethod
    def _plain_error(status: int, message: str) -> Response:
        return Response(status, message.encode(), [("Content-Type", JSON_CONTENT_TYPE)])

    def _format_data(self, fmt: str, reply: Reply, auth_id: str | None) -> Response:
        payload: dict[str, Any] = {"data": reply.data, **reply.attributes}
        if fmt == "extjs":
            payload.update({"success": True, "status": 200})
        return self._json_response(200, payload, auth_id)

    def _format_error(self, fmt: str, error: ApiError, auth_id: str | None) -> Response:
        if fmt == "json":
            response = self._plain_error(error.status, error.message)
            response.auth_id = auth_id
            return response
        if isinstance(error, ParameterError):
            payload = {
                "message": "parameter verification errors",
                "errors": dict(error.errors),
                "success": False,
                "status": 400,
            }
        else:
            payload = {"message": error.message, "errors": {}, "success": False, "status": error.status}
        return self._json_response(200, payload, auth_id)  # extjs: errors are always HTTP 200
