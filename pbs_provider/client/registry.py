"""The process-wide cache of clients: one `PbsClient` per server name, created lazily.

The provider plugin serves resources from 4 gRPC worker threads; they must share one connection
pool and (for password auth) one login per server, so clients are looked up here rather than
built per call. A changed `ServerConfig` for the same name replaces the cached client.
"""

from __future__ import annotations

import threading

from pbs_provider.client.client import PbsClient
from pbs_provider.client.config import ServerConfig

_lock = threading.Lock()
_clients: dict[str, PbsClient] = {}


def client_for(name: str, server: ServerConfig) -> PbsClient:
    """The cached client for server `name`, created on first use (thread-safe)."""
    with _lock:
        client = _clients.get(name)
        if client is not None and (client.server is server or client.server == server):
            return client
        if client is not None:
            client.close()
        client = PbsClient(server, name)
        _clients[name] = client
        return client


def close_all_clients() -> None:
    """Close and forget every cached client (tests, or a plugin shutting down)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
