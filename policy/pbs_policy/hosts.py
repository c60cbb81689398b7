"""Host names and ports as the rules compare them: server URLs, LAN vs. cloud, glob lists."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

PBS_DEFAULT_PORT = 8007

# Addresses on the local network: RFC 1918, loopback, link-local, IPv6 unique-local.
LAN_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        *("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16"),
        *("::1/128", "fc00::/7", "fe80::/10"),
    )
)


@dataclass(frozen=True)
class Endpoint:
    """A PBS API endpoint: lower-case host (no brackets) and port."""

    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def endpoint_of_url(url: str) -> Endpoint | None:
    """The endpoint of a server URL (`https://host[:port]`), or None if it has no host."""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        host = parts.hostname
        port = parts.port or PBS_DEFAULT_PORT
    except ValueError:
        return None
    return Endpoint(host.lower(), port) if host else None


def endpoint_of_remote(host: str, port: Any) -> Endpoint:
    """The endpoint a PBS remote connects to: its `host` and `port` (absent means 8007, as PBS does)."""
    return Endpoint(
        host.strip("[]").lower(), port if isinstance(port, int) and port > 0 else PBS_DEFAULT_PORT
    )


def matches_any(value: str, patterns: Iterable[str]) -> bool:
    """True if `value` matches one of the shell-style globs, ignoring case."""
    lowered = value.lower()
    return any(fnmatchcase(lowered, pattern.lower()) for pattern in patterns)


def is_lan_host(host: str, lan_patterns: Iterable[str]) -> bool:
    """True for a host on the local network: an address in `LAN_NETWORKS`, a single-label name
    (no dot), or a name matching one of `lan_patterns`."""
    bare = host.strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return "." not in bare or matches_any(bare, lan_patterns)
    return any(address in network for network in LAN_NETWORKS)
