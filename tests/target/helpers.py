"""What the target-side tests ask a simulator: calls with other credentials, writes, ACLs, namespaces."""

from __future__ import annotations

import json
from typing import Any

import requests

from pbs_sim.testing import SimHandle


def call_as(sim: SimHandle, auth_id: str, secret: str, endpoint: str, **params: Any) -> requests.Response:
    """`GET endpoint` authenticated as `auth_id` (a token id with its secret), as another PBS would."""
    session = sim.new_session(auth=None)
    session.headers["Authorization"] = f"PBSAPIToken={auth_id}:{secret}"
    return session.get(f"{sim.url}/api2/json{endpoint}", params=params, timeout=30)


def login(sim: SimHandle, userid: str, password: str) -> int:
    """Status of a password login (`POST /access/ticket`)."""
    session = sim.new_session(auth=None)
    return session.post(
        f"{sim.url}/api2/json/access/ticket", data={"username": userid, "password": password}, timeout=30
    ).status_code


def privileges(sim: SimHandle, auth_id: str, path: str) -> set[str]:
    """The privileges PBS computes for `auth_id` on `path` (token ∩ user)."""
    data = sim.api("GET", "/access/permissions", params={"auth-id": auth_id, "path": path}).json()["data"]
    return set(data.get(path, {}))


def writes(sim: SimHandle) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sim.request_log() if e["method"] != "GET"]


def acl_entries(sim: SimHandle, path: str) -> list[tuple[str, str, bool]]:
    """(auth id, role, propagate) of the entries exactly on `path`."""
    data = sim.api("GET", "/access/acl", params={"path": path, "exact": 1}).json()["data"]
    return sorted((e["ugid"], e["roleid"], e["propagate"]) for e in data)


def namespaces(sim: SimHandle, store: str) -> list[str]:
    return [item["ns"] for item in sim.api("GET", f"/admin/datastore/{store}/namespace").json()["data"]]


def stored_remote(sim: SimHandle, name: str) -> dict[str, Any] | None:
    """A remote as PBS keeps it in `remote.cfg`, password included (what a sync job logs in with)."""
    backend = sim.simulator.backend
    assert backend is not None
    return backend.remotes.read_with_password(name)


def bare_state_text(state: Any) -> str:
    """The state with every secret-wrapped value dropped: what must never hold a secret."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            if "plaintext" in value:  # `{sig, plaintext}`: a secret as `stack export --show-secrets` shows it
                return None
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(state))


def secret_in_state(resource: dict[str, Any], section: str, key: str) -> str:
    """The plaintext of a secret-wrapped state value (fails if it is not wrapped)."""
    wrapped = resource[section][key]
    assert isinstance(wrapped, dict) and "plaintext" in wrapped, f"{key} is not a secret in {section}"
    return json.loads(wrapped["plaintext"])
