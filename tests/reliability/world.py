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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.remote import RemoteSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_sim.testing import SimHandle
from tests.engine import engine
from tests.engine import props as P
from tests.program.stacks import PROJECT, StackRun

from .engine_hooks import PluginLog, RpcHooks, SimHooks, run_verb

STACK = "reliability"
PLUGIN_SITE = Path(__file__).resolve().parent / "plugin_site"
API = "/api2/json"


@dataclass(frozen=True)
class Kind:
    """A resource type as the program and PBS see it."""

    name: str
    schema: type[PbsObject]
    config_key: str
    id_input: str
    collection: str
    config_file: str
    list_params: Mapping[str, str] = field(default_factory=dict)

    @property
    def type_token(self) -> str:
        return f"pulumi-python:dynamic/pbs:{self.name}"

    def item_path(self, key: str) -> str:
        return f"{API}{self.collection}/{key}"

    def collection_path(self) -> str:
        return f"{API}{self.collection}"


REMOTE = Kind("Remote", RemoteSchema, "remotes", "name", "/config/remote", "remote.cfg")
SYNC_JOB = Kind(
    "SyncJob", SyncJobSchema, "syncJobs", "jobId", "/config/sync", "sync.cfg", {"sync-direction": "all"}
)
KINDS = (REMOTE, SYNC_JOB)
"""Resource types the stack program can deploy today (the target-side ones are not in the config yet)."""


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
        sim: SimHandle,
        state_dir: Path,
        *,
        password_auth: bool = False,
        read_timeout: float | None = None,
        managed_prefix: str = "rel-",
    ) -> None:
        super().__init__(STACK, state_dir, {"onprem": sim})
        self.sim = sim
        self.hooks = SimHooks(sim)
        self.prefix = managed_prefix
        self.plugin_log = PluginLog()
        self.rpc_hooks = RpcHooks()
        self.env: dict[str, str] = {}
        if password_auth:
            self.set(
                servers={"onprem": {"url": sim.url, "authId": "root@pam", "fingerprint": sim.fingerprint}},
                serverSecrets={"onprem": sim.root_password},
            )
        if read_timeout is not None:
            self.env = {
                "PYTHONPATH": f"{PLUGIN_SITE}:{PROJECT}",
                "PBS_RELIABILITY_READ_TIMEOUT": str(read_timeout),
            }
        self.remotes: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.passwords: dict[str, str] = {}
        self.foreign_edits: dict[tuple[str, str], str] = {}
        """(kind name, id) → comment another client wrote; it must survive."""

    # ---- desired config -----------------------------------------------------------------------

    def desire(
        self,
        remotes: Mapping[str, dict[str, Any]],
        jobs: Mapping[str, dict[str, Any]],
        passwords: Mapping[str, str],
    ) -> None:
        self.remotes, self.jobs, self.passwords = dict(remotes), dict(jobs), dict(passwords)
        self.set(remotes=self.remotes, syncJobs=self.jobs, remotePasswords=self.passwords)

    def desired(self, kind: Kind) -> dict[str, PbsObject]:
        """The config's objects of `kind` by PBS id, as canonical models."""
        entries = self.remotes if kind is REMOTE else self.jobs
        result = {}
        for key, entry in entries.items():
            inputs = {kind.id_input: key, **entry}
            if kind is REMOTE:
                inputs["password"] = self.passwords.get(key)
            result[inputs[kind.id_input]] = kind.schema.parse(inputs)
        return result

    # ---- running ------------------------------------------------------------------------------

    def run(self, verb: str) -> engine.Result:
        return run_verb(
            verb,
            str(PROJECT),
            self.state,
            rpc_hooks=self.rpc_hooks,
            plugin_log=self.plugin_log,
            env=dict(self.env),
            **self.kwargs(),
        )

    # ---- looking ------------------------------------------------------------------------------

    def state_entries(self, kind: Kind) -> list[dict[str, Any]]:
        """Resources of `kind` in the state file (secrets unwrapped)."""
        if not Path(self.state).exists():
            return []
        state = P.from_state_json(json.loads(Path(self.state).read_text()))
        return [P.unwrap(r) for r in state.get("resources", []) if r.get("type") == kind.type_token]

    def live(self, kind: Kind) -> dict[str, dict[str, Any]]:
        """Objects of `kind` on the simulator by id (read with the admin token, outside the log)."""
        response = self.sim.api("GET", kind.collection, params=dict(kind.list_params))
        response.raise_for_status()
        key = "name" if kind is REMOTE else "id"
        return {item[key]: item for item in response.json()["data"]}

    def audit(self, *, completed: set[tuple[str, str]] = frozenset(), check_desired: bool = False) -> Audit:
        """Compare desired config, state and PBS. `completed` holds (kind, id) whose step the engine
        reported done in the last run: for those, state and PBS must hold the same values."""
        audit = Audit()
        for kind in KINDS:
            live = self.live(kind)
            wanted = self.desired(kind)
            entries = self.state_entries(kind)
            claimed: dict[str, int] = {}
            for entry in entries:
                outputs = entry.get("outputs", {})
                model = model_from_outputs(kind.schema, outputs)
                pbs_id = model.key()
                claimed[pbs_id] = claimed.get(pbs_id, 0) + 1
                if entry.get("id") != pbs_id:
                    audit.duplicates.append(f"{kind.name} state id {entry.get('id')!r} != {pbs_id!r}")
                if pbs_id not in live:
                    (audit.lost_objects if pbs_id in wanted else audit.stale).append(f"{kind.name} {pbs_id}")
                    continue
                differs = content_differences(kind.schema, model, kind.schema.from_pbs(live[pbs_id]))
                if differs:
                    where = audit.lost_updates if (kind.name, pbs_id) in completed else audit.stale
                    where.append(f"{kind.name} {pbs_id}: {', '.join(differs)}")
            for pbs_id, count in claimed.items():
                if count > 1:
                    audit.duplicates.append(f"{kind.name} {pbs_id} claimed {count} times")
            for pbs_id in live:
                if pbs_id.startswith(self.prefix) and pbs_id not in claimed:
                    audit.orphans.append(f"{kind.name} {pbs_id}")
            for (kind_name, pbs_id), comment in self.foreign_edits.items():
                if kind_name == kind.name and (live.get(pbs_id) or {}).get("comment") != comment:
                    audit.lost_updates.append(f"{kind.name} {pbs_id}: another client's edit is gone")
            if check_desired:
                for pbs_id, model in wanted.items():
                    if pbs_id not in live:
                        audit.not_desired.append(f"{kind.name} {pbs_id} missing")
                        continue
                    differs = content_differences(kind.schema, model, kind.schema.from_pbs(live[pbs_id]))
                    if differs:
                        audit.not_desired.append(f"{kind.name} {pbs_id}: {', '.join(differs)}")
                for pbs_id in live:
                    if pbs_id.startswith(self.prefix) and pbs_id not in wanted:
                        audit.not_desired.append(f"{kind.name} {pbs_id} should be gone")
        return audit


__all__ = ["KINDS", "REMOTE", "STACK", "SYNC_JOB", "Audit", "Kind", "World", "content_differences"]
