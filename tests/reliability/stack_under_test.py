"""The stack the reliability scenarios deploy: one resource of each type, independent of each other.

`config(1)`, `config(2)` and `config(None)` are the stack config of two versions and of an empty
stack, each with the objects it describes (for `World.desire`). The API token and the ACL entry
belong to `owner@pbs`, a user that exists outside the stack, so that no resource waits for
another. `MANAGED` says, per resource, its name in the program, its PBS key, and the request each
operation makes (where the fault matrix arms its faults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pbs_provider.schemas.base import PbsObject

from .world import ACL_ENTRY, API_TOKEN, KINDS, NAMESPACE, REMOTE, SYNC_JOB, TOKEN_OWNER, USER, Kind

API = "/api2/json"


@dataclass(frozen=True)
class Managed:
    """The stack's resource of one kind: names, the request each operation makes, its config."""

    kind: Kind
    urn: str
    """The resource name in the program (the last URN segment)."""
    key: str
    """The PBS key (`PbsObject.key()`), as provider messages name the object."""
    requests: dict[str, tuple[str, str]]
    """operation → (HTTP method, path pattern) of the request the fault is armed for."""


def _item(collection: str, item: str) -> dict[str, tuple[str, str]]:
    return {
        "create": ("POST", f"{API}{collection}"),
        "update": ("PUT", f"{API}{collection}/{item}"),
        "refresh": ("GET", f"{API}{collection}/{item}"),
        "delete": ("DELETE", f"{API}{collection}/{item}"),
    }


ACL_PATH, ACL_ROLE = "/datastore/store1", "DatastoreReader"
TOKEN = f"{TOKEN_OWNER}!rel-token"
NS_PATH = f"{API}/admin/datastore/store1/namespace"
MANAGED = (
    Managed(REMOTE, "rel-remote", "rel-remote", _item("/config/remote", "rel-remote")),
    Managed(
        SYNC_JOB,
        "rel-job",
        "rel-job",
        # a refresh may read the job from the status listing `GET /admin/sync` or from its item
        {**_item("/config/sync", "rel-job"), "refresh": ("GET", f"{API}/*/sync*")},
    ),
    Managed(USER, "rel-user@pbs", "rel-user@pbs", _item("/access/users", "rel-user*")),
    Managed(
        API_TOKEN,
        TOKEN,
        TOKEN,
        {
            **_item("/access/users/owner*/token", "rel-token"),
            "create": ("POST", f"{API}/access/users/owner*/token/rel-token"),
        },
    ),
    Managed(
        ACL_ENTRY,
        f"onprem:{ACL_PATH}:{TOKEN_OWNER}:{ACL_ROLE}",
        f"{ACL_PATH}:{TOKEN_OWNER}:{ACL_ROLE}",
        {"create": ("PUT", f"{API}/access/acl"), "update": ("PUT", f"{API}/access/acl"),
         "refresh": ("GET", f"{API}/access/acl"), "delete": ("PUT", f"{API}/access/acl")},
    ),
    Managed(
        NAMESPACE,
        "onprem:store1:rel-ns",
        "store1:rel-ns",
        # PBS has nothing to change on a namespace: its update only reads
        {"create": ("POST", NS_PATH), "update": ("GET", NS_PATH), "refresh": ("GET", NS_PATH),
         "delete": ("DELETE", NS_PATH)},
    ),
)  # fmt: skip
assert {m.kind for m in MANAGED} == set(KINDS)


def config(version: int | None) -> tuple[dict[str, Any], dict[str, dict[str, PbsObject]]]:
    """Stack config of version 1 or 2 (None: nothing), and the objects it describes by kind."""
    if version is None:
        empty = {"remotes": {}, "remotePasswords": {}, "syncJobs": {}, "users": {}, "userPasswords": {}}
        return {**empty, "tokens": {}, "acls": [], "namespaces": []}, {}
    v2 = version == 2
    remote = {
        "server": "onprem",
        "host": "pbs-cloud.example.com",
        "authId": "sync@pbs!rel",
        "comment": f"v{version}",
    }
    remote |= {"port": 8008} if v2 else {}
    job = {"server": "onprem", "store": "store1", "remoteStore": "offsite", "comment": f"v{version}"}
    job |= {"schedule": "hourly", "transferLast": 3} if v2 else {"schedule": "daily"}
    user = {"server": "onprem", "comment": f"v{version}", "email": f"v{version}@example.com"}
    token = {"server": "onprem", "comment": f"v{version}"}
    acl = {"server": "onprem", "path": ACL_PATH, "authId": TOKEN_OWNER, "role": ACL_ROLE, "propagate": not v2}
    namespace = {"server": "onprem", "store": "store1", "ns": "rel-ns", "deleteGroups": v2}
    passwords = {"remote": f"rel-remote-pw-{version}", "user": "rel-user-password"}
    stack = {
        "remotes": {"rel-remote": remote}, "remotePasswords": {"rel-remote": passwords["remote"]},
        "syncJobs": {"rel-job": job},
        "users": {"rel-user@pbs": user}, "userPasswords": {"rel-user@pbs": passwords["user"]},
        "tokens": {TOKEN: token}, "acls": [acl], "namespaces": [namespace],
    }  # fmt: skip
    inputs = {
        REMOTE.name: {"name": "rel-remote", "password": passwords["remote"], **remote},
        SYNC_JOB.name: {"jobId": "rel-job", **job},
        USER.name: {"userid": "rel-user@pbs", "password": passwords["user"], **user},
        API_TOKEN.name: {"userid": TOKEN_OWNER, "tokenName": "rel-token", **token},
        ACL_ENTRY.name: acl,
        NAMESPACE.name: namespace,
    }
    wanted = {}
    for kind in KINDS:
        model = kind.schema.parse(inputs[kind.name])
        wanted[kind.name] = {model.key(): model}
    return stack, wanted


def create_outside_objects(sim: Any) -> None:
    """What exists before the stack: another client's objects (one per config file) and the
    token's owner."""
    other_remote = {"name": "other-remote", "host": "other.example.com", "auth-id": "x@pbs", "password": "x"}
    for path, body in (
        ("/config/remote", other_remote),
        ("/config/sync", {"id": "other-job", "store": "offsite", "remote-store": "store1"}),
        ("/access/users", {"userid": "other@pbs"}),
        ("/access/users/other@pbs/token/other", {}),
        ("/access/users", {"userid": TOKEN_OWNER}),
    ):
        sim.api("POST", path, json=body).raise_for_status()


def edit_by_hand(sim: Any) -> None:
    """Out-of-band edits of the stack's objects (drift that a refresh must see)."""
    for path in (
        "/config/remote/rel-remote",
        "/config/sync/rel-job",
        "/access/users/rel-user@pbs",
        f"/access/users/{TOKEN_OWNER}/token/rel-token",
    ):
        sim.api("PUT", path, json={"comment": "edited by hand"}).raise_for_status()


__all__ = ["MANAGED", "Managed", "config", "create_outside_objects", "edit_by_hand"]
