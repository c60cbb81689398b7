"""Two simulators with backup content and a stack holding only `replications`, run through the program and
the engine stand-in; `objects()` reads back what exists on both servers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pbs_sim.testing import SimHandle
from tests.program.stacks import StackRun

ONLY_REPLICATIONS = {
    "remotes": {},
    "syncJobs": {},
    "remotePasswords": {},
    "users": {},
    "tokens": {},
    "acls": [],
    "namespaces": [],
}
PUSH = {
    "direction": "push",
    "source": {"server": "onprem", "store": "store1"},
    "target": {"server": "cloud", "store": "offsite", "ns": "dr"},
    "schedule": "hourly",
}
PULL = {
    "direction": "pull",
    "source": {"server": "cloud", "store": "offsite"},
    "target": {"server": "onprem", "store": "store1", "ns": "from-cloud"},
    "schedule": "daily",
}
CHILDREN = ("user", "token", "acl-user", "acl-token", "remote", "job")
"""What removing a replication deletes (its namespace is kept)."""


def sims(factory: Any) -> dict[str, SimHandle]:
    """onprem (store1: vm/100 x3, ct/200 x2) and cloud (offsite: ct/300 x2), running real syncs."""
    onprem = factory("onprem", datastores=["store1"], sync_runner="pbs")
    cloud = factory("cloud", datastores=["offsite"], sync_runner="pbs")
    onprem.seed_content(
        {"store1": [{"group": "vm/100", "snapshots": 3}, {"group": "ct/200", "snapshots": 2}]}
    )
    cloud.seed_content({"offsite": [{"group": "ct/300", "snapshots": 2}]})
    return {"onprem": onprem, "cloud": cloud}


def stack(servers: dict[str, SimHandle], state_dir: Path, **replications: dict[str, Any]) -> StackRun:
    return StackRun("dev", state_dir, servers, **ONLY_REPLICATIONS, replications=replications)


@dataclass(frozen=True)
class Objects:
    """The PBS objects a replication can leave behind on the two servers."""

    users: set[tuple[str, str]]
    tokens: set[tuple[str, str]]
    acls: set[tuple[str, str, str, str]]
    namespaces: set[tuple[str, str, str]]
    remotes: set[tuple[str, str]]
    jobs: set[tuple[str, str]]


def _data(sim: SimHandle, path: str, **params: Any) -> Any:
    response = sim.api("GET", path, params=params or None)
    response.raise_for_status()
    return response.json()["data"]


def objects(servers: dict[str, SimHandle]) -> Objects:
    """Everything but the simulators' own admin accounts."""
    found: dict[str, set] = {k: set() for k in ("users", "tokens", "acls", "namespaces", "remotes", "jobs")}
    stores = {"onprem": "store1", "cloud": "offsite"}
    for name, sim in servers.items():
        for user in _data(sim, "/access/users"):
            if not user["userid"].endswith("@pam"):
                found["users"].add((name, user["userid"]))
                for token in _data(sim, f"/access/users/{user['userid']}/token"):
                    found["tokens"].add((name, token["tokenid"]))
        for acl in _data(sim, "/access/acl"):
            if not acl["ugid"].startswith("root@pam"):
                found["acls"].add((name, acl["path"], acl["ugid"], acl["roleid"]))
        for ns in _data(sim, f"/admin/datastore/{stores[name]}/namespace"):
            if ns["ns"]:
                found["namespaces"].add((name, stores[name], ns["ns"]))
        found["remotes"] |= {(name, r["name"]) for r in _data(sim, "/config/remote")}
        found["jobs"] |= {(name, j["id"]) for j in _data(sim, "/config/sync", **{"sync-direction": "all"})}
    return Objects(**found)


def custom_resources(run: StackRun) -> list[str]:
    """Names of the PBS resources in the stack's state."""
    return [
        r["urn"].split("::")[-1]
        for r in run.state_json()["resources"]
        if r.get("custom") and r["type"].startswith("pulumi-python:dynamic/pbs:")
    ]
