"""A stack of the real program, one simulator, and the checks that state and PBS agree.

`World` runs the project's `__main__.py` through the mini engine (via `engine_hooks.run_verb`)
against one in-process simulator, with the stack config given by the test (stack `reliability`,
which has no stack file: everything comes from the test). `World.audit()` compares three things
after a run — the desired config, the Pulumi state file, and the objects on the simulator — and
counts what must never happen:

* lost object: the config wants an object, the state says it exists, PBS does not have it;
* orphan: PBS has an object with a managed id that the state does not know;
* duplicate: one state entry matching several PBS objects, or one PBS object claimed by several
  state entries;
* lost update: the state says an object holds a value that PBS does not hold, after the engine
  reported the step as done, or another client's edit that is gone afterwards;
* stale (not a failure): the state is behind PBS after a *failed* step or an out-of-band edit;
  `refresh` or the next `up` reconciles it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offline_engine import engine
from offline_engine import props as P
from pbs_provider.schemas.acl_entry import AclEntrySchema
from pbs_provider.schemas.api_token import ApiTokenSchema
from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.namespace import NamespaceSchema
from pbs_provider.schemas.remote import RemoteSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_provider.schemas.user import UserSchema
from pbs_sim.testing import SimClient, SimHandle
from tests.program.stacks import PROJECT, StackRun

from .engine_hooks import PluginLog, RpcHooks, SimHooks, run_verb

STACK = "reliability"


LiveObjects = dict[str, dict[str, Any]]
"""PBS key (`PbsObject.key()`) → the object as PBS shows it, in the kebab-case form of `from_pbs`."""


def _get(sim: SimHandle, path: str, **params: Any) -> Any:
    response = sim.api("GET", path, params=params or None)
    response.raise_for_status()
    return response.json()["data"]


def _remotes(sim: SimHandle) -> LiveObjects:
    return {item["name"]: item for item in _get(sim, "/config/remote")}


def _sync_jobs(sim: SimHandle) -> LiveObjects:
    return {item["id"]: item for item in _get(sim, "/config/sync", **{"sync-direction": "all"})}


def _users(sim: SimHandle) -> LiveObjects:
    return {item["userid"]: item for item in _get(sim, "/access/users")}


def _tokens(sim: SimHandle) -> LiveObjects:
    found = {}
    for user in _get(sim, "/access/users", include_tokens=1):
        for token in user.get("tokens") or []:
            userid, _, name = token["tokenid"].partition("!")
            found[token["tokenid"]] = {"userid": userid, "token-name": name, **token}
    return found


def _acls(sim: SimHandle) -> LiveObjects:
    found = {}
    for item in _get(sim, "/access/acl"):
        if item.get("ugid_type") == "user":
            data = {"path": item["path"], "auth-id": item["ugid"], "role": item["roleid"]}
            found[f"{item['path']}:{item['ugid']}:{item['roleid']}"] = {
                **data,
                "propagate": item["propagate"],
            }
    return found


def _namespaces(store: str) -> Callable[[SimHandle], LiveObjects]:
    def live(sim: SimHandle) -> LiveObjects:
        items = _get(sim, f"/admin/datastore/{store}/namespace")
        return {f"{store}:{i['ns']}": {"store": store, "ns": i["ns"]} for i in items if i["ns"]}

    return live


def _delete_remote(sim: SimHandle, key: str) -> None:
    sim.api("DELETE", f"/config/remote/{key}").raise_for_status()


def _delete_job(sim: SimHandle, key: str) -> None:
    sim.api("DELETE", f"/config/sync/{key}").raise_for_status()


def _delete_user(sim: SimHandle, key: str) -> None:
    sim.api("DELETE", f"/access/users/{key}").raise_for_status()


def _delete_token(sim: SimHandle, key: str) -> None:
    userid, _, name = key.partition("!")
    sim.api("DELETE", f"/access/users/{userid}/token/{name}").raise_for_status()


def _delete_acl(sim: SimHandle, key: str) -> None:
    path, auth_id, role = key.rsplit(":", 2)
    body = {"path": path, "auth-id": auth_id, "role": role, "delete": True}
    sim.api("PUT", "/access/acl", json=body).raise_for_status()


def _delete_namespace(sim: SimHandle, key: str) -> None:
    store, _, ns = key.partition(":")
    sim.api("DELETE", f"/admin/datastore/{store}/namespace", params={"ns": ns}).raise_for_status()


@dataclass(frozen=True)
class Kind:
    """A resource type: its schema, how to list its objects on PBS, which ones the stack owns."""

    name: str
    schema: type[PbsObject]
    live: Callable[[SimHandle], LiveObjects]
    managed: Callable[[str], bool]
    """True for PBS keys in the stack's part of the id space (for orphan detection)."""
    remove: Callable[[SimHandle, str], None]
    """Delete an object with the admin token (to repair the world after a failed cell)."""

    @property
    def type_token(self) -> str:
        return f"pulumi-python:dynamic/pbs:{self.name}"

    @property
    def noun(self) -> str:
        return self.schema.noun


MANAGED_PREFIX = "rel-"
TOKEN_OWNER = "owner@pbs"
"""An existing user (not managed) that owns the stack's API token and gets its ACL entry."""


def _managed_prefix(key: str) -> bool:
    return key.startswith(MANAGED_PREFIX)


REMOTE = Kind("Remote", RemoteSchema, _remotes, _managed_prefix, _delete_remote)
SYNC_JOB = Kind("SyncJob", SyncJobSchema, _sync_jobs, _managed_prefix, _delete_job)
USER = Kind("User", UserSchema, _users, _managed_prefix, _delete_user)
API_TOKEN = Kind(
    "ApiToken", ApiTokenSchema, _tokens, lambda key: _managed_prefix(key.partition("!")[2]), _delete_token
)
ACL_ENTRY = Kind("AclEntry", AclEntrySchema, _acls, lambda key: f":{TOKEN_OWNER}:" in key, _delete_acl)
NAMESPACE = Kind(
    "Namespace",
    NamespaceSchema,
    _namespaces("store1"),
    lambda key: _managed_prefix(key.partition(":")[2]),
    _delete_namespace,
)
KINDS = (REMOTE, SYNC_JOB, USER, API_TOKEN, ACL_ENTRY, NAMESPACE)
"""Every resource type the stack program deploys."""


def model_from_outputs(schema: type[PbsObject], outputs: Mapping[str, Any]) -> PbsObject:
    """Stored outputs (camelCase, secrets unwrapped) as a model; values kept as stored if odd."""
    values: dict[str, Any] = {}
    for spec in schema.specs():
        raw = outputs.get(spec.input_name)
        if raw is None:
            continue
        try:
            values[spec.name] = spec.adapter.validate_python(raw)
        except ValueError:
            values[spec.name] = raw
    return schema.from_values(values)


def content_differences(schema: type[PbsObject], left: PbsObject, right: PbsObject) -> list[str]:
    """PBS fields (readable ones) whose meaning differs between two models."""
    return [
        spec.input_name
        for spec in schema.input_specs()
        if spec.pbs_name is not None
        and not spec.pbs.write_only
        and spec.pbs.diff
        and not spec.same(left.get(spec.name), right.get(spec.name))
    ]


@dataclass
class Audit:
    """What `World.audit` found (see the module docstring)."""

    lost_objects: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    lost_updates: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    not_desired: list[str] = field(default_factory=list)
    """Objects whose PBS content is not what the config says (only checked when asked)."""

    @property
    def agrees(self) -> bool:
        return not (self.lost_objects or self.orphans or self.duplicates or self.lost_updates)

    def problems(self) -> list[str]:
        return [
            *(f"lost object {x}" for x in self.lost_objects),
            *(f"orphan {x}" for x in self.orphans),
            *(f"duplicate {x}" for x in self.duplicates),
            *(f"lost update {x}" for x in self.lost_updates),
            *(f"not as desired {x}" for x in self.not_desired),
        ]


class World(StackRun):
    """One simulator (`onprem`) and the `reliability` stack of the real program against it."""

    def __init__(
        self,
        sim: SimClient,
        state_dir: Path,
        *,
        password_auth: bool = False,
        read_timeout: float | None = None,
        token: tuple[str, str] | None = None,
        parallel: int | None = None,
    ) -> None:
        super().__init__(STACK, state_dir, {"onprem": sim})
        self.sim = sim
        self.parallel = parallel  # the engine's step parallelism (None: Pulumi's default)
        self._hooks = SimHooks(sim) if isinstance(sim, SimHandle) else None
        self.plugin_log = PluginLog()
        self.rpc_hooks = RpcHooks()
        server: dict[str, Any] = {
            "url": sim.url,
            "authId": sim.admin_token_id,
            "fingerprint": sim.fingerprint,
        }
        if password_auth:
            server["authId"] = "root@pam"
            self.set(serverSecrets={"onprem": sim.root_password})
        elif token is not None:
            server["authId"] = token[0]
            self.set(serverSecrets={"onprem": token[1]})
        self.deployer: str = server["authId"]
        """The auth id the program deploys with (how the request log tells its requests apart)."""
        if read_timeout is not None:
            server["readTimeout"] = read_timeout
        self.set(servers={"onprem": server})
        self.wanted: dict[str, dict[str, PbsObject]] = {}
        self.foreign_edits: list[tuple[str, str, Callable[[], bool]]] = []
        """(kind name, what, check) for changes another client made: each check must stay true."""

    @property
    def hooks(self) -> SimHooks:
        """Request hooks of the simulator (only for one running in this process)."""
        assert self._hooks is not None, "request hooks need an in-process simulator"
        return self._hooks

    # ---- desired config -----------------------------------------------------------------------

    def desire(self, config: Mapping[str, Any], wanted: Mapping[str, Mapping[str, PbsObject]]) -> None:
        """Set stack config keys (secret maps go to the secrets) and the objects they should make."""
        self.set(**config)
        self.wanted = {kind: dict(objects) for kind, objects in wanted.items()}

    def desired(self, kind: Kind) -> dict[str, PbsObject]:
        """The config's objects of `kind` by PBS key, as canonical models."""
        return self.wanted.get(kind.name, {})

    # ---- running ------------------------------------------------------------------------------

    def run(self, verb: str) -> engine.Result:
        return run_verb(
            verb,
            str(PROJECT),
            self.state,
            rpc_hooks=self.rpc_hooks,
            plugin_log=self.plugin_log,
            **self.kwargs(),
            **({} if self.parallel is None else {"parallel": self.parallel}),
        )

    # ---- looking ------------------------------------------------------------------------------

    def state_entries(self, kind: Kind) -> list[dict[str, Any]]:
        """Resources of `kind` in the state file (secrets unwrapped)."""
        if not Path(self.state).exists():
            return []
        state = P.from_state_json(json.loads(Path(self.state).read_text()))
        return [P.unwrap(r) for r in state.get("resources", []) if r.get("type") == kind.type_token]

    def audit(
        self, *, completed: frozenset[tuple[str, str]] = frozenset(), check_desired: bool = False
    ) -> Audit:
        """Compare desired config, state and PBS. `completed` holds (kind, PBS key) whose step the
        engine reported done in the last run: for those, state and PBS must hold the same values."""
        audit = Audit()
        for kind in KINDS:
            live = kind.live(self.sim)
            wanted = self.desired(kind)
            claimed: dict[str, int] = {}
            for entry in self.state_entries(kind):
                model = model_from_outputs(kind.schema, entry.get("outputs", {}))
                key = model.key()
                claimed[key] = claimed.get(key, 0) + 1
                if entry.get("id") != key:
                    audit.duplicates.append(f"{kind.name} {key}: state id {entry.get('id')!r}")
                if key not in live:
                    (audit.lost_objects if key in wanted else audit.stale).append(f"{kind.name} {key}")
                    continue
                differs = content_differences(kind.schema, model, kind.schema.from_pbs(live[key]))
                if differs:
                    where = audit.lost_updates if (kind.name, key) in completed else audit.stale
                    where.append(f"{kind.name} {key}: {', '.join(differs)}")
            for key, count in claimed.items():
                if count > 1:
                    audit.duplicates.append(f"{kind.name} {key} claimed {count} times")
            for key in live:
                if kind.managed(key) and key not in claimed:
                    audit.orphans.append(f"{kind.name} {key}")
            if check_desired:
                for key, model in wanted.items():
                    if key not in live:
                        audit.not_desired.append(f"{kind.name} {key} missing")
                        continue
                    differs = content_differences(kind.schema, model, kind.schema.from_pbs(live[key]))
                    if differs:
                        audit.not_desired.append(f"{kind.name} {key}: {', '.join(differs)}")
                for key in live:
                    if kind.managed(key) and key not in wanted:
                        audit.not_desired.append(f"{kind.name} {key} should be gone")
        for kind_name, what, check in self.foreign_edits:
            if not check():
                audit.lost_updates.append(f"{kind_name} {what}: another client's edit is gone")
        return audit


__all__ = [
    "KINDS",
    "MANAGED_PREFIX",
    "STACK",
    "TOKEN_OWNER",
    "Audit",
    "Kind",
    "World",
    "content_differences",
    "model_from_outputs",
]
