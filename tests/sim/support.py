"""Small helpers for the simulator tests: assertions on PBS-shaped answers."""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import quote

import requests

from pbs_sim.testing import SimHandle

JSON_CT = "application/json;charset=UTF-8"


def data(response: requests.Response) -> Any:
    """The ``data`` of a successful answer (fails with the body otherwise)."""
    assert response.status_code == 200, f"{response.status_code}: {response.text}"
    return response.json()["data"]


def error(response: requests.Response, status: int, text: str) -> None:
    """A PBS error on /api2/json: that status and exactly that plain-text body."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.text == text


def file_digest(sim: SimHandle, name: str) -> str:
    path = sim.data_dir / name
    raw = path.read_bytes() if path.exists() else b""
    return hashlib.sha256(raw).hexdigest()


def task_path(upid: str) -> str:
    return f"/nodes/localhost/tasks/{quote(upid, safe='')}"


def wait_task(sim: SimHandle, upid: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll a task's status until it is stopped (as a PBS client does)."""
    deadline = time.monotonic() + timeout
    while True:
        status = data(sim.api("GET", f"{task_path(upid)}/status"))
        if status["status"] == "stopped":
            return status
        assert time.monotonic() < deadline, f"task {upid} still running"
        time.sleep(0.02)


def make_user(sim: SimHandle, userid: str, password: str | None = None) -> None:
    body: dict[str, Any] = {"userid": userid}
    if password is not None:
        body["password"] = password
    data(sim.api("POST", "/access/users", json=body))


def make_token(sim: SimHandle, userid: str, name: str) -> str:
    """Create a token and return its secret."""
    return data(sim.api("POST", f"/access/users/{userid}/token/{name}"))["value"]


def grant(sim: SimHandle, path: str, auth_id: str, role: str, propagate: bool = True) -> None:
    data(
        sim.api(
            "PUT",
            "/access/acl",
            json={"path": path, "auth-id": auth_id, "role": role, "propagate": propagate},
        )
    )


def token_session(sim: SimHandle, tokenid: str, secret: str) -> requests.Session:
    session = sim.new_session(auth=None)
    session.headers["Authorization"] = f"PBSAPIToken={tokenid}:{secret}"
    return session


def as_token(
    sim: SimHandle, tokenid: str, secret: str, method: str, path: str, **kwargs: Any
) -> requests.Response:
    with token_session(sim, tokenid, secret) as session:
        return session.request(method, f"{sim.url}/api2/json{path}", timeout=30, **kwargs)


REMOTE = {"name": "cloud", "host": "pbs.example.com", "auth-id": "sync@pbs!push", "password": "s3cret-pw"}


def make_remote(sim: SimHandle, **overrides: Any) -> None:
    data(sim.api("POST", "/config/remote", json={**REMOTE, **overrides}))


def make_job(sim: SimHandle, job_id: str = "job1", **fields: Any) -> None:
    body = {"id": job_id, "store": "store1", "remote": "cloud", "remote-store": "offsite", **fields}
    data(sim.api("POST", "/config/sync", json=body))
