"""Helpers for sync tests: users/tokens/ACLs on a server, remotes and jobs between two simulators."""

from __future__ import annotations

from typing import Any

from pbs_sim.testing import SimHandle


def ok(response: Any) -> Any:
    assert response.status_code == 200, f"{response.status_code}: {response.text}"
    return response.json()["data"]


def sync_user(
    sim: SimHandle, userid: str = "sync@pbs", token: str = "sync", roles: dict[str, str] | None = None
) -> str:
    """A user with a token; ``roles`` maps ACL path -> role for both. Returns the token secret."""
    ok(sim.api("POST", "/access/users", json={"userid": userid}))
    secret = ok(sim.api("POST", f"/access/users/{userid}/token/{token}"))["value"]
    for path, role in (roles or {}).items():
        grant(sim, path, userid, role)
        grant(sim, path, f"{userid}!{token}", role)
    return secret


def grant(sim: SimHandle, path: str, auth_id: str, role: str) -> None:
    ok(sim.api("PUT", "/access/acl", json={"path": path, "role": role, "auth-id": auth_id}))


def remote(
    local: SimHandle, other: SimHandle, auth_id: str, secret: str, name: str = "other", **fields: Any
) -> None:
    """A remote on ``local`` pointing at ``other`` (pinned to its fingerprint unless overridden)."""
    body = {
        "name": name,
        "host": "127.0.0.1",
        "port": other.port,
        "auth-id": auth_id,
        "password": secret,
        "fingerprint": other.fingerprint,
        **fields,
    }
    ok(local.api("POST", "/config/remote", json={k: v for k, v in body.items() if v is not None}))


def admin_remote(local: SimHandle, other: SimHandle, name: str = "other", **fields: Any) -> None:
    """A remote using ``other``'s bootstrap admin token (``Admin`` on ``/``)."""
    remote(local, other, other.admin_token_id, other.admin_token_secret, name, **fields)


def job(sim: SimHandle, job_id: str, **fields: Any) -> None:
    ok(sim.api("POST", "/config/sync", json={"id": job_id, **fields}))


def pull_job(sim: SimHandle, job_id: str = "pull1", **fields: Any) -> None:
    job(sim, job_id, **{"store": "offsite", "remote": "other", "remote-store": "store1", **fields})


def push_job(sim: SimHandle, job_id: str = "push1", **fields: Any) -> None:
    job(
        sim,
        job_id,
        **{
            "store": "store1",
            "remote": "other",
            "remote-store": "offsite",
            "sync-direction": "push",
            **fields,
        },
    )


def run(sim: SimHandle, job_id: str) -> tuple[str, list[str]]:
    """Run a job, wait for its task; (exit status, log lines without timestamps)."""
    upid, status = sim.run_sync_job(job_id)
    return status["exitstatus"], sim.task_log(upid)


def names(sim: SimHandle, store: str, ns: str = "") -> list[str]:
    return sim.snapshot_names(store, ns)
