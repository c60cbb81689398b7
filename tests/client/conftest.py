"""Fixtures for client tests: ServerConfigs pointing at a simulator, fast retry settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pbs_provider.client import RetrySettings, ServerConfig, close_all_clients

# Small backoffs keep retry tests fast; 4 attempts as in production.
FAST_RETRY = RetrySettings(attempts=4, backoff_factor=0.01, backoff_max=0.05, backoff_jitter=0.01)


@pytest.fixture(autouse=True)
def _fresh_client_cache() -> Iterator[None]:
    close_all_clients()
    yield
    close_all_clients()


def token_config(sim: Any, **overrides: Any) -> ServerConfig:
    """Admin token auth, certificate pinned."""
    values: dict[str, Any] = {
        "url": sim.url,
        "auth_id": sim.admin_token_id,
        "secret": sim.admin_token_secret,
        "fingerprint": sim.fingerprint,
        "connect_timeout": 2.0,
        "read_timeout": 10.0,
        "retry": FAST_RETRY,
    }
    values.update(overrides)
    return ServerConfig(**values)


def password_config(sim: Any, **overrides: Any) -> ServerConfig:
    """root@pam password (ticket) auth, certificate pinned."""
    values: dict[str, Any] = {"auth_id": "root@pam", "secret": sim.root_password}
    values.update(overrides)
    return token_config(sim, **values)


def requests_to(sim: Any, method: str, path_prefix: str) -> list[dict[str, Any]]:
    """Entries of the simulator's request log for `method` on paths starting with the prefix."""
    full = "/api2/json" + path_prefix
    return [e for e in sim.request_log() if e["method"] == method and e["path"].startswith(full)]


@pytest.fixture
def remote_body() -> Callable[[str], dict[str, Any]]:
    """A valid `POST /config/remote` body for a given name."""

    def make(name: str) -> dict[str, Any]:
        return {"name": name, "host": "pbs.example.com", "auth-id": "sync@pbs!push", "password": "x-secret"}

    return make
