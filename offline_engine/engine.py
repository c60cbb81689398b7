"""Tier 2 of the engine stand-in: a miniature Pulumi engine with `up`, `preview`, `refresh`, `destroy`.

  program (subprocess, real SDK)  --gRPC-->  fake ResourceMonitor + Engine (this module)
  this module                     --gRPC-->  real `python -u -m pulumi.dynamic` plugin

The step logic follows pkg/resource/deploy/step_generator.go for the cases a dynamic provider
can hit: Check -> (create | Diff -> same/update/replace) per registration, deletes of
unregistered resources after a successful program, create-before-delete replacement unless the
provider/option asks for delete-before-replace, no provider writes in preview. State is a JSON
file shaped like `pulumi stack export --show-secrets` (secrets as {sig, plaintext}).
Steps run in parallel as Pulumi runs them (`schedule.py`: `--parallel` slots, default 4 x CPUs,
each step after its dependencies, deletes in reverse-dependency antichains, nothing new after a
failure); `parallel=1` runs one step at a time, `shuffle=<seed>` perturbs the schedule for tests.
Not covered: aliases, imports, transforms/hooks, component providers, invokes,
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
from .schedule import Scheduler, Shuffler, StepCancelled, default_parallel, delete_antichains
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


class StepObserver:
    """Optional callbacks around each provider write (tests, live printing); called from step threads.

    `started(op, urn, props)` runs just before the write (`op`: create, update, replace, delete;
    `props`: the new inputs, or the old outputs for a delete); `finished(step)` once the step is done."""

    def started(self, op: str, urn: str, props: dict) -> None:
        pass

    def finished(self, step: Step) -> None:
        pass


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
        except StepCancelled as e:  # Pulumi starts nothing after a failed step; the failure is reported
            context.abort(grpc.StatusCode.UNKNOWN, str(e))
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
        parallel: int | None = None,
        shuffle: Shuffler | int | None = None,
        observer: StepObserver | None = None,
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
        self.lock = threading.RLock()
        self.host: DynamicProviderHost | None = None
        self.timings: dict[str, float] = {}
        self.registered: set[str] = set()
        self.parallel = parallel if parallel is not None else default_parallel()
        if shuffle is None:
            shuffle = Shuffler.from_env()
        elif isinstance(shuffle, int):
            shuffle = Shuffler(shuffle)
        self.scheduler = Scheduler(self.parallel, shuffle)
        self.observer = observer or StepObserver()

    # ---- helpers -----------------------------------------------------------------------
    def diag(self, msg: str) -> None:
        with self.lock:
            self.diagnostics.append(msg)

    def _done(self, step: Step) -> None:
        with self.lock:
            self.steps.append(step)
        self.observer.finished(step)

    def _urn(self, type_: str, name: str, parent: str = "") -> str:
        if parent and not parent.endswith(f"::{STACK_T}::{self.project}-{self.stack}"):
            ptype = parent.split("::")[2]
            type_ = f"{ptype}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    def _host(self) -> DynamicProviderHost:
        """The plugin, started once however many steps ask for it at the same time."""
        if self.host is None:
            with self.lock:
                return self._provider()
        return self.host

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
        """Serves one RegisterResource (concurrently with others); returns once its step is done."""
        urn = self._urn(req.type, req.name, req.parent)
        with self.lock:
            if req.type == STACK_T:
                self.new.append({"urn": urn, "type": STACK_T, "custom": False})
                return resource_pb2.RegisterResourceResponse(urn=urn)
            if urn in self.registered:
                raise EngineError(f"Duplicate resource URN '{urn}'")
            self.registered.add(urn)
            if not req.custom:  # component resource: no provider, nothing to do
                self.new.append({"urn": urn, "type": req.type, "custom": False, "parent": req.parent})
                return resource_pb2.RegisterResourceResponse(urn=urn)
        if not req.type.startswith("pulumi-python:dynamic"):
            raise EngineError(f"stand-in only runs Python dynamic resources, got {req.type}")
        self.scheduler.announce(urn)
        deps = [*req.dependencies, *([req.parent] if req.parent else [])]
        return self.scheduler.run(lambda: self._register_step(req, urn), key=urn, deps=deps)

    def _register_step(
        self, req: resource_pb2.RegisterResourceRequest, urn: str
    ) -> resource_pb2.RegisterResourceResponse:
        """One registration's chain of steps: Check, then create | same | update | replace."""
        inputs = P.from_struct(req.object)
        host = self._host()
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
                self.observer.started("create", urn, checked)
                rid, outs = host.create(urn, checked)
            step = Step("create", urn)
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
                k for k in req.replaceOnChanges if P.unwrap(old["inputs"].get(k)) != P.unwrap(checked.get(k))
            ]
            replaces = list(d.replaces) + roc
            if changed == provider_pb2.DiffResponse.DIFF_NONE and not roc:
                rid, outs = old["id"], old["outputs"]
                step = Step("same", urn)
            elif replaces:
                dbr = d.delete_before_replace or req.deleteBeforeReplace
                if self.preview:
                    rid, outs = "", dict(checked)
                elif dbr:  # a chain: delete, then create, in this step's slot
                    if not old.get("retainOnDelete"):
                        self.observer.started("delete", urn, old["outputs"])
                        host.delete(urn, old["id"], old["outputs"], old["inputs"])
                    self.observer.started("replace", urn, checked)
                    rid, outs = host.create(urn, checked)
                else:
                    self.observer.started("replace", urn, checked)
                    rid, outs = host.create(urn, checked)
                    with self.lock:
                        self.pending_deletes.append(old)
                step = Step("replace", urn, sorted(replaces), retain=bool(old.get("retainOnDelete")))
            else:
                if self.preview:
                    rid, outs = old["id"], dict(checked)
                else:
                    self.observer.started("update", urn, checked)
                    outs = host.update(urn, old["id"], old["outputs"], checked, old["inputs"])
                    rid = old["id"]
                step = Step("update", urn)
        for k in req.additionalSecretOutputs:
            if k in outs:
                outs[k] = P.secret(outs[k])
        with self.lock:  # completion order is a topological order: dependencies finished first
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
        self._done(step)
        obj = P.to_struct(outs, keep_secrets=req.acceptSecrets, keep_unknowns=True)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=rid, object=obj)

    # ---- the deployment ----------------------------------------------------------------
    def run(self) -> Result:
        # the program sends up to 4 x parallel RPCs at once (its executor); each registration blocks
        # until its step is done, like Go's goroutine-per-RPC server
        workers = 4 * self.parallel + 8
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=_GRPC_CHANNEL_OPTIONS)
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
                    str(self.parallel),
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
            if not self.scheduler.wait_idle():
                self.diag("error: steps still running 120 s after the program exited")
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
        """Deletes of resources the program no longer registers, then of replaced olds, in Pulumi's
        antichains: in parallel, each after every condemned resource that depends on it."""
        registered = {r["urn"] for r in self.new}
        doomed = [
            self.old[u]
            for u in self.old_order
            if u not in registered and self.old[u].get("custom") and self.old[u]["type"] != DEFAULT_PROVIDER_T
        ]
        for old in doomed:
            if old.get("protect"):
                raise EngineError(f"unable to delete protected resource {old['urn']}")
        doomed_ids = {id(old) for old in doomed}
        condemned = doomed + self.pending_deletes  # the engine deletes replaced olds at the end too
        for layer in delete_antichains(condemned):
            errors = self.scheduler.run_all(
                [lambda old=old: self._delete_one(old, id(old) in doomed_ids) for old in layer]
            )
            _raise_all(errors)

    def _delete_one(self, old: dict, unregistered: bool) -> None:
        """One delete step (a replaced old's delete is part of its replacement: no step of its own)."""
        retain = bool(old.get("retainOnDelete"))  # dropped from state, left on PBS
        if not self.preview and not retain:
            self.observer.started("delete", old["urn"], old["outputs"])
            self._host().delete(old["urn"], old["id"], old["outputs"], old["inputs"])
        if unregistered:
            if not self.preview:
                with self.lock:
                    self.old.pop(old["urn"])
            self._done(Step("delete", old["urn"], retain=retain))

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


def _raise_all(errors: list[Exception | None]) -> None:
    """Raise the first failure of an antichain, its message carrying every other failure's too
    (steps run side by side can fail together; the CLI shows each)."""
    failed = [e for e in errors if e is not None and not isinstance(e, StepCancelled)]
    if failed:
        first = failed[0]
        if len(failed) > 1:
            first.args = ("\n".join(str(e) for e in failed),)
        raise first


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
        reads: dict[str, tuple[str, dict, dict | None]] = {}

        def read(u: str) -> None:
            r = dep.old[u]
            reads[u] = dep._host().read(u, r["id"], r["outputs"], r["inputs"])

        custom = [
            u for u in dep.old_order if dep.old[u].get("custom") and dep.old[u]["type"] != DEFAULT_PROVIDER_T
        ]
        _raise_all(dep.scheduler.run_all([lambda u=u: read(u) for u in custom]))
        kept = []
        for u in dep.old_order:
            r = dep.old[u]
            if u not in reads:
                kept.append(r)
                continue
            rid, outs, ins = reads[u]
            if not rid:
                dep._done(Step("read-gone", u))
                continue
            changed = P.unwrap(outs) != P.unwrap(r["outputs"])
            dep._done(Step("update" if changed else "same", u))
            kept.append(dict(r, id=rid, outputs=outs, inputs=ins if ins is not None else r["inputs"]))
        dep.new = kept
        dep.stack_outputs = dep.old_outputs
        dep._save(True)
    finally:
        if dep.host:
            dep.host.stop()
    return Result(True, dep.steps, dep.old_outputs, dep.diagnostics, 0, dep.timings)
