"""Tier-1 helpers: the engine's per-resource step logic, run against the real plugin over gRPC.

`Stack` keeps an in-memory state (id, inputs, outputs per resource name) and does what the
engine does for one registration — Check(olds=old inputs), then Create, or Diff(olds=old
outputs) and same / update / replace — plus `refresh` (Read, ReadResult.inputs kept) and
`destroy` (Delete with the stored outputs). Many resources and cases share one plugin process,
which keeps property-based tests fast. The mini engine (tier 2) covers whole programs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import provider_pb2

from offline_engine import props as P
from offline_engine.provider_host import CheckFailed, DynamicProviderHost, serialize_like_sdk
from pbs_provider.resources.prune_job import PruneJobProvider
from pbs_provider.resources.remote import RemoteProvider
from pbs_provider.resources.sync_job import SyncJobProvider
from pbs_provider.resources.verify_job import VerifyJobProvider

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "pbs-replication"
SERVERS_KEY = f"{PROJECT}:servers"
SECRETS_KEY = f"{PROJECT}:serverSecrets"

REMOTE_T = "pulumi-python:dynamic/pbs:Remote"
SYNC_T = "pulumi-python:dynamic/pbs:SyncJob"
PRUNE_T = "pulumi-python:dynamic/pbs:PruneJob"
VERIFY_T = "pulumi-python:dynamic/pbs:VerifyJob"
TYPES = {"remote": REMOTE_T, "sync": SYNC_T, "prune": PRUNE_T, "verify": VERIFY_T}
PROVIDERS = {
    "remote": serialize_like_sdk(RemoteProvider()),
    "sync": serialize_like_sdk(SyncJobProvider()),
    "prune": serialize_like_sdk(PruneJobProvider()),
    "verify": serialize_like_sdk(VerifyJobProvider()),
}
SECRET_INPUTS = {"remote": ("password",), "sync": (), "prune": (), "verify": ()}

DIFF_NONE = provider_pb2.DiffResponse.DIFF_NONE
DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME


def server_entry(sim: Any) -> dict[str, Any]:
    """The stack config's `servers` entry for a simulator (admin token, pinned fingerprint)."""
    return {"url": sim.url, "authId": sim.admin_token_id, "fingerprint": sim.fingerprint}


def stack_config(**sims: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """(config, secret keys) as the engine passes them to Configure, for named simulators."""
    servers = {name: server_entry(sim) for name, sim in sims.items()}
    secrets = {name: sim.admin_token_secret for name, sim in sims.items()}
    return {SERVERS_KEY: json.dumps(servers), SECRETS_KEY: json.dumps(secrets)}, (SECRETS_KEY,)


def start_plugin(**sims: Any) -> DynamicProviderHost:
    """The plugin as the engine starts it for this project (cwd = project root), configured."""
    host = DynamicProviderHost(cwd=str(ROOT), project=PROJECT).start()
    config, secret_keys = stack_config(**sims)
    host.configure(config, secret_keys)
    return host


def engine_inputs(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Program-side props as the engine receives them: None dropped, secrets wrapped, __provider."""
    news = {k: (P.secret(v) if k in SECRET_INPUTS[kind] else v) for k, v in fields.items() if v is not None}
    news["__provider"] = PROVIDERS[kind]
    return news


@dataclass
class Resource:
    kind: str
    urn: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class Stack:
    """In-memory engine state for resources driven one by one through the plugin."""

    host: DynamicProviderHost
    resources: dict[str, Resource] = field(default_factory=dict)

    def urn(self, kind: str, name: str) -> str:
        return self.host.urn(TYPES[kind], name)

    def check(
        self, kind: str, name: str, fields: dict[str, Any], preview: bool = False
    ) -> list[tuple[str, str]]:
        """Check failures (property, reason) for these inputs; [] when valid."""
        old = self.resources.get(name)
        _, failures = self.host.check(
            self.urn(kind, name),
            old.inputs if old else {},
            engine_inputs(kind, fields),
            preview=preview,
            raise_on_failure=False,
        )
        return failures

    def plan(self, kind: str, name: str, fields: dict[str, Any]) -> tuple[str, list[str]]:
        """What `pulumi preview` would do: ("create" | "same" | "update" | "replace", replaces)."""
        urn = self.urn(kind, name)
        old = self.resources.get(name)
        checked, _ = self.host.check(
            urn, old.inputs if old else {}, engine_inputs(kind, fields), preview=True
        )
        if old is None:
            return "create", []
        diff = self.host.diff(urn, old.id, old.outputs, checked, old.inputs, preview=True)
        if diff.changes == DIFF_NONE:
            return "same", []
        assert diff.changes == DIFF_SOME, "diff must never be DIFF_UNKNOWN"
        return ("replace" if diff.replaces else "update"), sorted(diff.replaces)

    def up(self, kind: str, name: str, fields: dict[str, Any]) -> str:
        """What `pulumi up` does for this one resource; returns the step it took."""
        urn = self.urn(kind, name)
        old = self.resources.get(name)
        checked, _ = self.host.check(urn, old.inputs if old else {}, engine_inputs(kind, fields))
        if old is None:
            rid, outs = self.host.create(urn, checked)
            self.resources[name] = Resource(kind, urn, rid, checked, outs)
            return "create"
        diff = self.host.diff(urn, old.id, old.outputs, checked, old.inputs)
        if diff.changes == DIFF_NONE:
            old.inputs = checked
            return "same"
        if diff.replaces:  # create-before-delete, as the engine does unless asked otherwise
            rid, outs = self.host.create(urn, checked)
            self.host.delete(urn, old.id, old.outputs, old.inputs)
            self.resources[name] = Resource(kind, urn, rid, checked, outs)
            return "replace"
        outs = self.host.update(urn, old.id, old.outputs, checked, old.inputs)
        self.resources[name] = Resource(kind, urn, old.id, checked, outs)
        return "update"

    def refresh(self, name: str) -> str:
        """`pulumi refresh` of one resource: "same", "update" (drift seen) or "gone"."""
        res = self.resources[name]
        rid, outs, ins = self.host.read(res.urn, res.id, res.outputs, res.inputs)
        if not rid:
            del self.resources[name]
            return "gone"
        changed = P.unwrap(outs) != P.unwrap(res.outputs)
        res.outputs = outs
        if ins is not None:
            res.inputs = ins
        return "update" if changed else "same"

    def destroy(self, name: str) -> None:
        res = self.resources.pop(name)
        self.host.delete(res.urn, res.id, res.outputs, res.inputs)

    def outputs(self, name: str) -> dict[str, Any]:
        """The stored outputs, secrets unwrapped, without `__provider`."""
        outs = P.unwrap(self.resources[name].outputs)
        outs.pop("__provider", None)
        return outs


__all__ = ["DIFF_NONE", "DIFF_SOME", "CheckFailed", "Stack", "engine_inputs", "stack_config", "start_plugin"]
