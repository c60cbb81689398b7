"""Tier 2 of the engine stand-in: a miniature Pulumi engine with `up`, `preview`, `refresh`, `destroy`.

  program (subprocess, real SDK)  --gRPC-->  fake ResourceMonitor + Engine (this module)
  this module                     --gRPC-->  real `python -u -m pulumi.dynamic` plugin

The step logic follows pkg/resource/deploy/step_generator.go for the cases a dynamic provider
can hit: Check -> (create | Diff -> same/update/replace) per registration, deletes of
unregistered resources after a successful program, create-before-delete replacement unless the
provider/option asks for delete-before-replace, no provider writes in preview. State is a JSON
file shaped like `pulumi stack export --show-secrets` (secrets as {sig, plaintext}).
Not covered: aliases, imports, transforms/hooks, component providers, invokes, parallelism,
targets, protect on replace, retries. Dynamic resources only.
`retainOnDelete` is honoured as in step.go's DeleteStep: the flag is kept in state and a retained
resource's delete (removed, destroyed or replaced) drops it from state without the provider's Delete;
its step carries `retain=True` (Pulumi displays it as `delete[retain]`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, resource_pb2, resource_pb2_grpc

from . import props as P
from .provider_host import CheckFailed, DynamicProviderHost, ProviderRpcError
from .stack_config import stack_config  # noqa: F401  (re-exported for tests)

STACK_T = "pulumi:pulumi:Stack"
DEFAULT_PROVIDER_T = "pulumi:providers:pulumi-python"
EXEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "langhost_exec.py")
FEATURES = [  # what we implement; the SDK degrades gracefully for the rest
    resource_pb2.RESOURCE_MONITOR_FEATURE_SECRETS,
    resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
    resource_pb2.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
    resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
]


@dataclass
class Step:
    op: str  # create | same | update | replace | delete | read-gone
    urn: str
    detail: list = field(default_factory=list)
    retain: bool = False
    """A delete (or a replace's delete) of a `retainOnDelete` resource: dropped from state, not deleted."""

    @property
    def label(self) -> str:
        """The op as Pulumi displays it (`delete[retain]` for a retained delete or replace)."""
        return f"{self.op}[retain]" if self.retain else self.op


@dataclass
class Result:
    ok: bool
    steps: list[Step]
    outputs: dict
    diagnostics: list[str]
    program_exit: int
    timings: dict

    def ops(self, *, include_same: bool = False) -> list[tuple[str, str]]:
        return [(s.op, s.urn.split("::")[-1]) for s in self.steps if include_same or s.op != "same"]

    def retained(self) -> list[str]:
        """Names of the resources whose delete (or replaced old object) is retained, not deleted."""
        return [s.urn.split("::")[-1] for s in self.steps if s.retain]


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, dep: Deployment) -> None:
        self.dep = dep

    def SupportsFeature(self, request: Any, context: grpc.ServicerContext) -> Any:
        ids = {"secrets", "resourceReferences", "deletedWith", "aliasSpecs"}
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in ids)

    def GetDeploymentInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        return resource_pb2.DeploymentInfo(supportedFeatures=FEATURES)

    def RegisterResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return self.dep.register(request)
        except (CheckFailed, ProviderRpcError, EngineError) as e:
            self.dep.diag(f"error: {e}")
            context.abort(grpc.StatusCode.UNKNOWN, str(e))

    def RegisterResourceOutputs(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.urn == self.dep.stack_urn:
            self.dep.stack_outputs = P.from_struct(request.outputs)
        return empty_pb2.Empty()

    def SignalAndWaitForShutdown(self, request: Any, context: grpc.ServicerContext) -> Any:
        return empty_pb2.Empty()


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self, dep: Deployment) -> None:
        self.dep = dep

    def Log(self, request: Any, context: grpc.ServicerContext) -> Any:
        sev = {0: "debug", 1: "info", 2: "warning", 3: "error"}.get(request.severity, "info")
        if sev != "debug":
            self.dep.diag(f"{sev}: {request.message}")
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self.dep.stack_urn)

    def SetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.RequirePulumiVersionResponse()


class EngineError(Exception):
    pass


class Deployment:
    def __init__(
        self,
        program_dir: str,
        state_path: str,
        *,
        project: str,
        stack: str,
        config: dict[str, Any],
        secret_keys: tuple[str, ...] = (),
        preview: bool = False,
        python: str = sys.executable,
        env: dict | None = None,
    ):
        self.program_dir, self.state_path = os.path.abspath(program_dir), state_path
        self.project, self.stack, self.preview, self.python = project, stack, preview, python
        # config values are strings on the wire; objects/lists as JSON (like `pulumi config set --path`)
        self.config = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
        self.secret_keys = tuple(secret_keys)
        self.env = env or {}
        self.stack_urn = self._urn(STACK_T, f"{project}-{stack}")
        old = load_state(state_path)
        self.old = {r["urn"]: r for r in old.get("resources", [])}
        self.old_order = [r["urn"] for r in old.get("resources", [])]
        self.old_outputs = old.get("outputs", {})
        self.new: list[dict] = []
        self.steps: list[Step] = []
        self.diagnostics: list[str] = []
        self.stack_outputs: dict = {}
        self.pending_deletes: list[dict] = []
        self.lock = threading.Lock()
        self.host: DynamicProviderHost | None = None
        self.timings: dict[str, float] = {}

    # ---- helpers -----------------------------------------------------------------------
    def diag(self, msg: str) -> None:
        self.diagnostics.append(msg)

    def _urn(self, type_: str, name: str, parent: str = "") -> str:
        if parent and not parent.endswith(f"::{STACK_T}::{self.project}-{self.stack}"):
            ptype = parent.split("::")[2]
            type_ = f"{ptype}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    def _provider(self) -> DynamicProviderHost:
        if self.host is None:  # like the engine: started on first use, configured with all config
            t0 = time.perf_counter()
            self.host = DynamicProviderHost(
                cwd=self.program_dir, project=self.project, python=self.python, env=self.env
            ).start()
            self.host.configure({k: v for k, v in self.config.items()}, self.secret_keys)
            self.timings["provider_start_s"] = time.perf_counter() - t0
        return self.host

    # ---- RegisterResource: the step generator ------------------------------------------
    def register(self, req: resource_pb2.RegisterResourceRequest) -> resource_pb2.RegisterResourceResponse:
        with self.lock:
            urn = self._urn(req.type, req.name, req.parent)
            if req.type == STACK_T:
                self.new.append({"urn": urn, "type": STACK_T, "custom": False})
                return resource_pb2.RegisterResourceResponse(urn=urn)
            if any(r["urn"] == urn for r in self.new):
                raise EngineError(f"Duplicate resource URN '{urn}'")
            inputs = P.from_struct(req.object)
            if not req.custom:  # component resource: no provider, nothing to do
                self.new.append({"urn": urn, "type": req.type, "custom": False, "parent": req.parent})
                return resource_pb2.RegisterResourceResponse(urn=urn)
            if not req.type.startswith("pulumi-python:dynamic"):
                raise EngineError(f"stand-in only runs Python dynamic resources, got {req.type}")
            host = self._provider()
            old = self.old.get(urn)
            checked, failures = host.check(
                urn, old["inputs"] if old else {}, inputs, preview=self.preview, raise_on_failure=False
            )
            if failures:
                raise CheckFailed(urn, failures)
            if old is None:
                if self.preview:
                    rid, outs = "", dict(checked)
                else:
                    rid, outs = host.create(urn, checked)
                self.steps.append(Step("create", urn))
            else:
                d = host.diff(urn, old["id"], old["outputs"], checked, old["inputs"], preview=self.preview)
                changed = d.changes
                if changed == provider_pb2.DiffResponse.DIFF_UNKNOWN:  # engine falls back to input diff
                    changed = (
                        provider_pb2.DiffResponse.DIFF_SOME
                        if P.unwrap(old["inputs"]) != P.unwrap(checked)
                        else provider_pb2.DiffResponse.DIFF_NONE
                    )
                roc = [
                    k
                    for k in req.replaceOnChanges
                    if P.unwrap(old["inputs"].get(k)) != P.unwrap(checked.get(k))
                ]
                replaces = list(d.replaces) + roc
                if changed == provider_pb2.DiffResponse.DIFF_NONE and not roc:
                    rid, outs = old["id"], old["outputs"]
                    self.steps.append(Step("same", urn))
                elif replaces:
                    dbr = d.delete_before_replace or req.deleteBeforeReplace
                    if self.preview:
                        rid, outs = "", dict(checked)
                    elif dbr:
                        if not old.get("retainOnDelete"):
                            host.delete(urn, old["id"], old["outputs"], old["inputs"])
                        rid, outs = host.create(urn, checked)
                    else:
                        rid, outs = host.create(urn, checked)
                        self.pending_deletes.append(old)
                    self.steps.append(
                        Step("replace", urn, sorted(replaces), retain=bool(old.get("retainOnDelete")))
                    )
                else:
                    if self.preview:
                        rid, outs = old["id"], dict(checked)
                    else:
                        outs = host.update(urn, old["id"], old["outputs"], checked, old["inputs"])
                        rid = old["id"]
                    self.steps.append(Step("update", urn))
            for k in req.additionalSecretOutputs:
                if k in outs:
                    outs[k] = P.secret(outs[k])
            self.new.append(
                {
                    "urn": urn,
                    "type": req.type,
                    "custom": True,
                    "id": rid,
                    "inputs": checked,
                    "outputs": outs,
                    "parent": req.parent or self.stack_urn,
                    "dependencies": list(req.dependencies),
                    "protect": req.protect,
                    **({"retainOnDelete": True} if req.retainOnDelete else {}),
                    "provider": f"{self._urn(DEFAULT_PROVIDER_T, 'default')}::default",
                }
            )
            obj = P.to_struct(outs, keep_secrets=req.acceptSecrets, keep_unknowns=True)
            return resource_pb2.RegisterResourceResponse(urn=urn, id=rid, object=obj)

    # ---- the deployment ----------------------------------------------------------------
    def run(self) -> Result:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=_GRPC_CHANNEL_OPTIONS)
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(_Monitor(self), server)
        engine_pb2_grpc.add_EngineServicer_to_server(_Engine(self), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        addr = f"127.0.0.1:{port}"
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.update(
            {
                "PULUMI_CONFIG": json.dumps(self.config),
                "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(self.secret_keys)),
                "PULUMI_PROJECT": self.project,
                "PULUMI_STACK": self.stack,
                "PULUMI_DRY_RUN": str(self.preview).lower(),
                **self.env,
            }
        )
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [
                    self.python,
                    "-u",
                    EXEC,
                    "--monitor",
                    addr,
                    "--engine",
                    addr,
                    "--project",
                    self.project,
                    "--stack",
                    self.stack,
                    "--parallel",
                    "4",
                    "--dry_run",
                    str(self.preview).lower(),
                    "--pwd",
                    self.program_dir,
                    "--root_directory",
                    self.program_dir,
                    "--organization",
                    "organization",
                    self.program_dir,
                ],
                cwd=self.program_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            self.timings["program_s"] = time.perf_counter() - t0
            for line in (proc.stdout + proc.stderr).splitlines():
                if line.strip():
                    self.diag(f"program: {line}")
            ok = proc.returncode == 0 and not any(d.startswith("error") for d in self.diagnostics)
            if ok:
                self._delete_unregistered()
            if not self.preview:
                self._save(ok)
        except (ProviderRpcError, EngineError) as e:
            self.diag(f"error: {e}")
            ok = False
            if not self.preview:
                self._save(False)
            proc = None
        finally:
            server.stop(0)
            if self.host:
                self.timings["rpc_s"] = {k: round(sum(v), 4) for k, v in self.host.timings.items()}
                self.host.stop()
        return Result(
            ok,
            self.steps,
            self.stack_outputs if ok else self.old_outputs,
            self.diagnostics,
            proc.returncode if proc else -1,
            self.timings,
        )

    def _delete_unregistered(self) -> None:
        registered = {r["urn"] for r in self.new}
        doomed = [
            self.old[u]
            for u in reversed(self.old_order)  # state order is topological
            if u not in registered and self.old[u].get("custom") and self.old[u]["type"] != DEFAULT_PROVIDER_T
        ]
        for old in doomed + self.pending_deletes:  # the engine deletes replaced olds at the end
            if old.get("protect") and old in doomed:
                raise EngineError(f"unable to delete protected resource {old['urn']}")
            if not self.preview and not old.get("retainOnDelete"):
                self._provider().delete(old["urn"], old["id"], old["outputs"], old["inputs"])
            if old in doomed:
                self.steps.append(Step("delete", old["urn"], retain=bool(old.get("retainOnDelete"))))
                if not self.preview:
                    self.old.pop(old["urn"])

    def _save(self, ok: bool) -> None:
        registered = {r["urn"] for r in self.new}
        resources = list(self.new)
        if not ok:  # a failed run keeps what it did not get to (the engine never drops unknown state)
            resources += [self.old[u] for u in self.old_order if u in self.old and u not in registered]
        resources = [r for r in resources if r["type"] != DEFAULT_PROVIDER_T]
        if any(r.get("custom") for r in resources):
            at = 1 if resources and resources[0]["type"] == STACK_T else 0
            resources.insert(
                at,
                {
                    "urn": self._urn(DEFAULT_PROVIDER_T, "default"),
                    "type": DEFAULT_PROVIDER_T,
                    "custom": True,
                    "id": "default",
                    "inputs": {},
                    "outputs": {},
                },
            )
        state = {
            "version": 3,
            "resources": resources,
            "outputs": self.stack_outputs if ok else self.old_outputs,
        }
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(P.to_state_json(_dedupe(state)), f, indent=2, sort_keys=True)
        os.replace(tmp, self.state_path)


def _dedupe(state: dict) -> dict:
    seen, out = set(), []
    for r in state["resources"]:
        if r["urn"] not in seen:
            seen.add(r["urn"])
            out.append(r)
    state["resources"] = out
    return state


def load_state(path: str) -> dict:
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return P.from_state_json(json.load(f))


# ---- CLI-like entry points ---------------------------------------------------------------------
def up(program_dir: str, state_path: str, **kw) -> Result:
    return Deployment(program_dir, state_path, preview=False, **kw).run()


def preview(program_dir: str, state_path: str, **kw) -> Result:
    return Deployment(program_dir, state_path, preview=True, **kw).run()


def destroy(program_dir: str, state_path: str, **kw) -> Result:
    """`pulumi destroy`: no program run; delete everything in reverse order with the *stored* providers."""
    dep = Deployment(program_dir, state_path, preview=False, **kw)
    try:
        dep._delete_unregistered()
        dep._save(True)
    finally:
        if dep.host:
            dep.host.stop()
    return Result(True, dep.steps, {}, dep.diagnostics, 0, dep.timings)


def refresh(program_dir: str, state_path: str, **kw) -> Result:
    """`pulumi refresh`: Read every resource; empty id => gone from state."""
    dep = Deployment(program_dir, state_path, preview=False, **kw)
    try:
        kept = []
        for u in dep.old_order:
            r = dep.old[u]
            if not r.get("custom") or r["type"] == DEFAULT_PROVIDER_T:
                kept.append(r)
                continue
            rid, outs, ins = dep._provider().read(u, r["id"], r["outputs"], r["inputs"])
            if not rid:
                dep.steps.append(Step("read-gone", u))
                continue
            changed = P.unwrap(outs) != P.unwrap(r["outputs"])
            dep.steps.append(Step("update" if changed else "same", u))
            kept.append(dict(r, id=rid, outputs=outs, inputs=ins if ins is not None else r["inputs"]))
        dep.new = kept
        dep.stack_outputs = dep.old_outputs
        dep._save(True)
    finally:
        if dep.host:
            dep.host.stop()
    return Result(True, dep.steps, dep.old_outputs, dep.diagnostics, 0, dep.timings)
