"""What a policy knows about the stack beyond its resources: the stack name and its `servers`.

Server TLS settings (`verifyTls`, `fingerprint`, `caFile`) live in the stack config, not in
resources. The Pulumi CLI hands the stack config to a policy pack (the pack process sees the same
`pulumi.Config` and `pulumi.get_stack()` as the program), so `read_stack_facts` reads them there.
The rules receive a `StackFactsReader` so that tests can pass constructed facts instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .hosts import Endpoint, endpoint_of_url

CONFIG_NAMESPACE = "pbs-replication"


@dataclass(frozen=True)
class ServerFacts:
    """One entry of the stack config's `servers` map, as far as the rules need it."""

    name: str
    url: str
    endpoint: Endpoint | None
    verify_tls: bool
    fingerprint: str | None
    ca_file: str | None

    @property
    def self_signed(self) -> bool:
        """The stack trusts this server only by a pinned fingerprint or not at all: its certificate
        is self-signed (PBS's default), so a PBS remote pointing at it needs a fingerprint too."""
        return self.fingerprint is not None or not self.verify_tls


@dataclass(frozen=True)
class StackFacts:
    """The stack name and its servers."""

    stack: str
    servers: Mapping[str, ServerFacts] = field(default_factory=dict)

    def server_at(self, endpoint: Endpoint) -> ServerFacts | None:
        """The server this stack reaches at `endpoint`, if any."""
        return next((s for s in self.servers.values() if s.endpoint == endpoint), None)


StackFactsReader = Callable[[], StackFacts]


def _as_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return default


def _optional_str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_servers(raw: Any) -> dict[str, ServerFacts]:
    """The `servers` config map as `ServerFacts`; entries that are not maps are left out (the
    program's own config validation reports them)."""
    if not isinstance(raw, Mapping):
        return {}
    servers: dict[str, ServerFacts] = {}
    for name, entry in raw.items():
        if not isinstance(entry, Mapping):
            continue
        url = _optional_str(entry.get("url")) or ""
        servers[str(name)] = ServerFacts(
            name=str(name),
            url=url,
            endpoint=endpoint_of_url(url) if url else None,
            verify_tls=_as_bool(entry.get("verifyTls"), default=True),
            fingerprint=_optional_str(entry.get("fingerprint")),
            ca_file=_optional_str(entry.get("caFile")),
        )
    return servers


def read_stack_facts() -> StackFacts:
    """The facts of the stack being previewed or updated, from the Pulumi runtime of the pack."""
    import pulumi  # imported here: only the pack process has a configured runtime

    servers = pulumi.Config(CONFIG_NAMESPACE).get_object("servers")
    return StackFacts(stack=pulumi.get_stack(), servers=parse_servers(servers))
