"""Route table: (method, path template) -> handler, input schema and router-level permission.

Like proxmox-router: path segments are matched literally or by ``{param}`` (one segment, percent-
decoded); an unknown path or method is "not found". Input schemas may depend on the emulated PBS
version (a callable receiving the version tuple).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from pbs_sim.models.permissions import Permission
from pbs_sim.schema import ObjectSchema, Version

SchemaSource = ObjectSchema | Callable[[Version], ObjectSchema]


@dataclass
class Reply:
    """A handler's answer: ``data`` plus top-level attributes (``digest``, ``total``)."""

    data: Any = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawReply:
    """A hand-built body (PBS handlers that bypass the formatter)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json;charset=UTF-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Route:
    method: str
    template: tuple[str, ...]
    handler: Callable[..., Reply | RawReply]
    schema: SchemaSource
    permission: Permission
    query_only: bool = False  # PBS "AsyncHttp" handlers: parameters from the query string only
    since: Version | None = None  # the first PBS version that has this path (older: "not found")
    # version -> input schema: a schema is a function of the version alone, so built once per version
    _schemas: dict[Version, ObjectSchema] = field(default_factory=dict, compare=False, repr=False)

    def input_schema(self, version: Version) -> ObjectSchema:
        built = self._schemas.get(version)
        if built is None:
            schema = self.schema if isinstance(self.schema, ObjectSchema) else self.schema(version)
            built = self._schemas[version] = schema.at_version(version)
        return built


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self,
        method: str,
        path: str,
        handler: Callable[..., Reply | RawReply],
        schema: SchemaSource,
        permission: Permission,
        query_only: bool = False,
        since: Version | None = None,
    ) -> None:
        template = tuple(p for p in path.split("/") if p)
        self._routes.append(Route(method, template, handler, schema, permission, query_only, since))

    def find(
        self, method: str, components: list[str], version: Version | None = None
    ) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes:
            if route.method != method or len(route.template) != len(components):
                continue
            if route.since is not None and version is not None and version < route.since:
                continue
            params: dict[str, str] = {}
            for want, got in zip(route.template, components, strict=True):
                if want.startswith("{"):
                    params[want[1:-1]] = unquote(got)
                elif want != got:
                    break
            else:
                return route, params
        return None
