"""Tier 1 for the bench: the real dynamic-provider plugin over gRPC, driven as the engine drives it.

`Plugin` starts `python -u -m pulumi.dynamic` through `offline_engine.provider_host` (cwd = the
project, no PYTHONPATH, `PULUMI_PROJECT` set), configures it with a `servers`/`serverSecrets`
stack config for the given simulators and offers the engine's per-resource steps (Check then
Create; Check then Diff then Update; Read; Delete). `run_parallel` runs such steps on 4 worker
threads, as the engine does with the plugin's 4 gRPC workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.proto import provider_pb2

from offline_engine import props as P
from offline_engine.provider_host import DynamicProviderHost, serialize_like_sdk
from pbs_provider.resources.remote import RemoteProvider
from pbs_provider.resources.sync_job import SyncJobProvider

from .null_provider import NullProvider
from .sim import PROJECT, ExternalSim

PROJECT_NAME = "pbs-replication"
REMOTE_T = "pulumi-python:dynamic/pbs:Remote"
SYNC_T = "pulumi-python:dynamic/pbs:SyncJob"
NULL_T = "pulumi-python:dynamic/bench:NullJob"
"""A sync job's properties served by `bench.null_provider.NullProvider` (the SDK's own cost)."""
WORKERS = 4
"""The plugin serves RPCs from `ThreadPoolExecutor(max_workers=4)`; the engine keeps them busy."""
REMOTE_NAME = "bench-remote"

_PROVIDERS = {
    REMOTE_T: serialize_like_sdk(RemoteProvider()),
    SYNC_T: serialize_like_sdk(SyncJobProvider()),
    NULL_T: serialize_like_sdk(NullProvider()),
}
_SECRET_INPUTS = {REMOTE_T: ("password",), SYNC_T: (), NULL_T: ()}


def server_entry(sim: ExternalSim, *, password_auth: bool = False) -> dict[str, str]:
    """The `servers` entry of a simulator: admin token, or `root@pam` with password login."""
    auth_id = "root@pam" if password_auth else sim.admin_token_id
    return {"url": sim.url, "authId": auth_id, "fingerprint": sim.fingerprint}


def server_secret(sim: ExternalSim, *, password_auth: bool = False) -> str:
    return sim.root_password if password_auth else sim.admin_token_secret


def remote_fields(sim: ExternalSim, name: str = REMOTE_NAME, comment: str = "bench") -> dict[str, Any]:
    """A Remote on `sim` that points at `sim` itself (the bench needs one for pull jobs)."""
    host, port = sim.url.removeprefix("https://").rsplit(":", 1)
    return {
        "server": sim.name,
        "name": name,
        "host": host,
        "port": int(port),
        "authId": sim.admin_token_id,
        "password": sim.admin_token_secret,
        "fingerprint": sim.fingerprint,
        "comment": comment,
    }


def job_fields(server: str, index: int, comment: str = "bench job") -> dict[str, Any]:
    """A typical pull job: remote, hourly schedule, `transferLast` (a versioned field: PBS ≥ 2.4.2)."""
    return {
        "server": server,
        "jobId": f"bench-{index:05d}",
        "store": "ds1",
        "remote": REMOTE_NAME,
        "remoteStore": "ds2",
        "schedule": "hourly",
        "removeVanished": False,
        "transferLast": 3,
        "comment": comment,
    }


def job_body(index: int) -> dict[str, Any]:
    """The same job as the PBS request body the raw baseline POSTs."""
    return {
        "id": f"bench-{index:05d}",
        "store": "ds1",
        "remote": REMOTE_NAME,
        "remote-store": "ds2",
        "schedule": "hourly",
        "remove-vanished": False,
        "transfer-last": 3,
        "comment": "bench job",
    }


def engine_inputs(type_: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Program-side props as the engine gets them: None dropped, secrets wrapped, `__provider`."""
    news = {k: (P.secret(v) if k in _SECRET_INPUTS[type_] else v) for k, v in fields.items() if v is not None}
    news["__provider"] = _PROVIDERS[type_]
    return news


@dataclass
class State:
    """What the engine keeps of one resource."""

    type: str
    urn: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


class Plugin:
    """One configured plugin process for the given simulators (a context manager)."""

    def __init__(
        self, sims: Iterable[ExternalSim], *, password_auth: bool = False, env: dict[str, str] | None = None
    ) -> None:
        sims = list(sims)
        servers = {s.name: server_entry(s, password_auth=password_auth) for s in sims}
        secrets = {s.name: server_secret(s, password_auth=password_auth) for s in sims}
        self.host = DynamicProviderHost(cwd=str(PROJECT), project=PROJECT_NAME, env=env).start()
        config = {
            f"{PROJECT_NAME}:servers": json.dumps(servers),
            f"{PROJECT_NAME}:serverSecrets": json.dumps(secrets),
        }
        self.host.configure(config, (f"{PROJECT_NAME}:serverSecrets",))

    def close(self) -> None:
        self.host.stop()

    def __enter__(self) -> Plugin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def urn(self, type_: str, name: str) -> str:
        return self.host.urn(type_, name)

    # ---- the engine's steps for one resource ---------------------------------------------------
    def check(
        self, type_: str, name: str, fields: dict[str, Any], old: State | None = None, **kw: Any
    ) -> dict:
        checked, _ = self.host.check(
            self.urn(type_, name), old.inputs if old else {}, engine_inputs(type_, fields), **kw
        )
        return checked

    def create(self, type_: str, name: str, fields: dict[str, Any]) -> State:
        """`up` of a new resource: Check, then Create."""
        urn = self.urn(type_, name)
        checked = self.check(type_, name, fields)
        rid, outs = self.host.create(urn, checked)
        return State(type_, urn, rid, checked, outs)

    def plan(self, old: State, fields: dict[str, Any], *, preview: bool = True) -> tuple[str, dict]:
        """Check + Diff of an existing resource: ("same" | "update" | "replace", checked inputs)."""
        name = old.urn.split("::")[-1]
        checked = self.check(old.type, name, fields, old, preview=preview)
        diff = self.host.diff(old.urn, old.id, old.outputs, checked, old.inputs, preview=preview)
        if diff.changes == provider_pb2.DiffResponse.DIFF_NONE:
            return "same", checked
        return ("replace" if diff.replaces else "update"), checked

    def up(self, old: State, fields: dict[str, Any]) -> tuple[str, State]:
        """`up` of an existing resource: Check, Diff, then nothing, Update or replace."""
        step, checked = self.plan(old, fields, preview=False)
        if step == "same":
            return step, State(old.type, old.urn, old.id, checked, old.outputs)
        if step == "update":
            outs = self.host.update(old.urn, old.id, old.outputs, checked, old.inputs)
            return step, State(old.type, old.urn, old.id, checked, outs)
        rid, outs = self.host.create(old.urn, checked)  # create-before-delete
        self.delete(old)
        return step, State(old.type, old.urn, rid, checked, outs)

    def read(self, old: State) -> State | None:
        rid, outs, ins = self.host.read(old.urn, old.id, old.outputs, old.inputs)
        if not rid:
            return None
        return State(old.type, old.urn, rid, ins if ins is not None else old.inputs, outs)

    def delete(self, old: State) -> None:
        self.host.delete(old.urn, old.id, old.outputs, old.inputs)


def run_parallel(
    fn: Callable[[Any], Any], items: Iterable[Any], pool: ThreadPoolExecutor | None = None
) -> list[Any]:
    """`fn` over `items` on `WORKERS` threads (results in order); the first error is raised.

    Pass a long-lived `pool` when the workers keep per-thread state (keep-alive sessions)."""
    if pool is not None:
        return list(pool.map(fn, items))
    with ThreadPoolExecutor(max_workers=WORKERS) as own:
        return list(own.map(fn, items))
