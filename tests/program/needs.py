"""What each resource of the program needs on PBS, and a step observer that checks it at every step start.

Every managed resource is one PBS object (`obj`). `needs(resource, all)` names the PBS objects it relies on:
a token its user; an ACL entry its user or token and its namespace; a namespace its parent; a remote the
token (or user) it logs in as on the server it points to; a sync job its remote, its local namespace, and
on the remote's server the remote namespace and the ACL entries of the remote's auth-id.

`NeedsObserver` is an `engine.StepObserver`: just before each provider write it snapshots every object on
every simulator and which steps have finished. `problems()` then judges, with the state after the run:
a created/updated/replaced resource must find each *managed* object it needs on PBS, with that object's
own step (if it had one in this run) already finished; a deleted resource must find nothing that needs it
still on PBS.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from offline_engine import engine
from offline_engine import props as P
from pbs_sim.testing import SimHandle

Obj = tuple[str, ...]


def obj(res: dict[str, Any]) -> Obj | None:
    """The PBS object a state resource manages (None: not a PBS object, e.g. a component)."""
    kind = res.get("type", "").rsplit(":", 1)[-1]
    i = P.unwrap(res.get("inputs") or {})
    server = i.get("server")
    return {
        "Remote": lambda: ("remote", server, i["name"]),
        "SyncJob": lambda: ("job", server, i["jobId"]),
        "User": lambda: ("user", server, i["userid"]),
        "ApiToken": lambda: ("token", server, f"{i['userid']}!{i['tokenName']}"),
        "AclEntry": lambda: ("acl", server, i["path"], i["authId"]),
        "Namespace": lambda: ("ns", server, i["store"], i["ns"]),
    }.get(kind, lambda: None)()


def _who(server: str, auth_id: str) -> list[Obj]:
    if "!" in auth_id:
        return [("user", server, auth_id.split("!")[0]), ("token", server, auth_id)]
    return [("user", server, auth_id)]


class Needs:
    """The needs relation over one state (its resources' inputs) and the simulators by server name."""

    def __init__(self, resources: list[dict[str, Any]], sims: dict[str, SimHandle]) -> None:
        self.resources = [r for r in resources if obj(r) is not None]
        self.by_address = {(s.host, int(s.port)): name for name, s in sims.items()}

    def _inputs(self, kind: str) -> list[dict[str, Any]]:
        return [P.unwrap(r["inputs"]) for r in self.resources if r["type"].endswith(f":{kind}")]

    def _target(self, remote: dict[str, Any]) -> str | None:
        return self.by_address.get((remote.get("host"), int(remote.get("port") or 8007)))

    def of(self, res: dict[str, Any]) -> set[Obj]:
        kind = res["type"].rsplit(":", 1)[-1]
        i = P.unwrap(res.get("inputs") or {})
        srv = i.get("server")
        out: set[Obj] = set()
        if kind == "ApiToken":
            out.add(("user", srv, i["userid"]))
        elif kind == "AclEntry":
            out.update(_who(srv, i["authId"]))
            parts = i["path"].strip("/").split("/")
            if parts[0] == "datastore" and len(parts) > 2:
                out.add(("ns", srv, parts[1], "/".join(parts[2:])))
        elif kind == "Namespace" and "/" in i["ns"]:
            out.add(("ns", srv, i["store"], i["ns"].rsplit("/", 1)[0]))
        elif kind == "Remote":
            target = self._target(i)
            if target and i.get("authId"):
                out.update(_who(target, i["authId"]))
        elif kind == "SyncJob":
            if i.get("ns"):
                out.add(("ns", srv, i["store"], i["ns"]))
            remotes = [r for r in self._inputs("Remote") if r["server"] == srv]
            remote = next((r for r in remotes if r["name"] == i.get("remote")), None)
            if i.get("remote"):
                out.add(("remote", srv, i["remote"]))
            target = self._target(remote) if remote else None
            if target:
                if i.get("remoteNs"):
                    out.add(("ns", target, i["remoteStore"], i["remoteNs"]))
                for acl in self._inputs("AclEntry"):
                    if acl["server"] == target and acl["authId"] in (
                        remote["authId"],
                        remote["authId"].split("!")[0],
                    ):
                        out.add(("acl", target, acl["path"], acl["authId"]))
        return out


def pbs_objects(name: str, sim: SimHandle) -> set[Obj]:
    """Every object of the kinds the program manages that exists on `sim` right now."""

    def data(path: str, **params: Any) -> list[dict[str, Any]]:
        response = sim.api("GET", path, params=params or None)
        response.raise_for_status()
        return response.json()["data"]

    found: set[Obj] = {("remote", name, r["name"]) for r in data("/config/remote")}
    found |= {("job", name, j["id"]) for j in data("/config/sync", **{"sync-direction": "all"})}
    for user in data("/access/users", include_tokens=1):
        found.add(("user", name, user["userid"]))
        found |= {("token", name, t["tokenid"]) for t in user.get("tokens", [])}
    found |= {("acl", name, a["path"], a["ugid"]) for a in data("/access/acl")}
    for store in data("/config/datastore"):
        spaces = data(f"/admin/datastore/{store['name']}/namespace")
        found |= {("ns", name, store["name"], n["ns"]) for n in spaces}
    return found


@dataclass
class Started:
    op: str
    urn: str
    existing: set[Obj]
    finished: set[str]


class NeedsObserver(engine.StepObserver):
    """Snapshots PBS and the finished steps before every provider write (see the module docstring)."""

    def __init__(self, sims: dict[str, SimHandle]) -> None:
        self.sims = sims
        self.started_steps: list[Started] = []
        self.finished_urns: set[str] = set()
        self.lock = threading.Lock()

    def started(self, op: str, urn: str, props: dict) -> None:
        with self.lock:
            finished = set(self.finished_urns)
        existing = set().union(*(pbs_objects(n, s) for n, s in self.sims.items()))
        with self.lock:
            self.started_steps.append(Started(op, urn, existing, finished))

    def finished(self, step: engine.Step) -> None:
        with self.lock:
            self.finished_urns.add(step.urn)

    def problems(self, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
        """Needs broken by this run's schedule; `before`/`after`: the state's resources around it."""
        out = []
        new, old = Needs(after, self.sims), Needs(before, self.sims)
        latest = {r["urn"]: r for r in before} | {r["urn"]: r for r in after}
        current = Needs(list(latest.values()), self.sims)
        managed = {o: r["urn"] for r in after if (o := obj(r)) is not None}
        stepped = {s.urn for s in self.started_steps}
        by_urn_new = {r["urn"]: r for r in new.resources}
        by_urn_old = {r["urn"]: r for r in old.resources}
        for s in self.started_steps:
            name = s.urn.split("::")[-1]
            if s.op == "delete":
                res = by_urn_old.get(s.urn)
                if res is None:
                    continue
                mine = obj(res)
                for other in current.resources:
                    if mine in current.of(other) and obj(other) in s.existing and other["urn"] != s.urn:
                        out.append(f"{name} deleted while {other['urn'].split('::')[-1]} needing it exists")
                continue
            res = by_urn_new.get(s.urn)
            if res is None:
                continue
            for need in new.of(res):
                if need not in managed:
                    continue  # made outside the stack: not the schedule's business
                if need not in s.existing:
                    out.append(f"{s.op} {name} started before {need} existed on PBS")
                elif managed[need] in stepped and managed[need] not in s.finished:
                    out.append(f"{s.op} {name} started before the step of {need} finished")
        return out
