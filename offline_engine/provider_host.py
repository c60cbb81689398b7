"""Tier 1 of the engine stand-in: drives the real Python dynamic-provider plugin over gRPC.

Starts the *real* plugin (`python -u -m pulumi.dynamic <engine-addr>`, exactly what the
`pulumi-resource-pulumi-python` shim execs) and talks to it over real gRPC with the SDK's
generated stubs, marshalling properties the way the Go engine does for this plugin.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from . import props as P

PROVIDER_KEY = "__provider"


def serialize_like_sdk(provider: object) -> Any:
    """Exactly what pulumi.dynamic.Resource.__init__ does with the provider instance.

    Returns the `__provider` input value in engine form (a wrapped secret unless the provider sets
    serialize_as_secret_always = False and captured no secret Output)."""
    serialized, contains_secrets = _serialize(True, serialize_provider, provider)
    if getattr(provider, "serialize_as_secret_always", True) or contains_secrets:
        return P.secret(serialized)
    return serialized


class ProviderRpcError(Exception):
    def __init__(self, method: str, err: grpc.RpcError) -> None:
        self.method, self.code, self.details = method, err.code(), err.details()
        super().__init__(f"{method} failed: {self.code.name}: {self.details}")


class CheckFailed(Exception):
    def __init__(self, urn: str, failures: list[tuple[str, str]]) -> None:
        self.failures = failures
        super().__init__(f"{urn}: check failed: " + "; ".join(f"{p}: {r}" for p, r in failures))


@dataclass
class DiffResult:
    changes: int  # provider_pb2.DiffResponse.DIFF_{UNKNOWN,NONE,SOME}
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False

    @property
    def changed(self) -> bool:
        return self.changes == provider_pb2.DiffResponse.DIFF_SOME


class DynamicProviderHost:
    """One plugin process, like the engine's one-per-deployment `pulumi-python` default provider."""

    def __init__(
        self,
        cwd: str | None = None,
        project: str = "project",
        python: str = sys.executable,
        env: dict | None = None,
        engine_address: str = "127.0.0.1:1",
    ) -> None:
        self.cwd = cwd or os.getcwd()
        self.project = project
        self.python = python
        self.extra_env = env or {}
        self.engine_address = engine_address
        self.proc: subprocess.Popen | None = None
        self.stderr_lines: list[str] = []
        self.timings: dict[str, list[float]] = {}

    # ---- process lifecycle -------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> DynamicProviderHost:
        t0 = time.perf_counter()
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)  # the engine does not add the test's sys.path
        env.update({"PULUMI_PROJECT": self.project, **self.extra_env})
        # Same argv as the shim: python -u -m pulumi.dynamic <engine address>; cwd = program dir.
        self.proc = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.dynamic", self.engine_address],
            cwd=self.cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
        port_line: list[str] = []
        reader = threading.Thread(target=lambda: port_line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not port_line or not port_line[0].strip().isdigit():
            self.stop()
            raise RuntimeError(f"plugin wrote no port: {port_line!r}; stderr:\n" + "".join(self.stderr_lines))
        self.port = int(port_line[0])
        threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True).start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=_GRPC_CHANNEL_OPTIONS)
        grpc.channel_ready_future(self.channel).result(timeout=timeout)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self._record("start", time.perf_counter() - t0)
        return self

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self.stderr_lines.append(line)

    def stop(self) -> None:
        if getattr(self, "channel", None):
            self.channel.close()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # the engine kills the plugin at the end of a deployment
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> DynamicProviderHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- helpers ----------------------------------------------------------------------
    def _record(self, name: str, dt: float) -> None:
        self.timings.setdefault(name, []).append(dt)

    def _call(self, name: str, req: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return getattr(self.stub, name)(req, timeout=60)
        except grpc.RpcError as e:
            raise ProviderRpcError(name, e) from None
        finally:
            self._record(name, time.perf_counter() - t0)

    def urn(self, type_: str, name: str, stack: str = "stack") -> str:
        return f"urn:pulumi:{stack}::{self.project}::{type_}::{name}"

    # ---- RPCs, in the order and shape the engine uses ----------------------------------
    def handshake_supported(self) -> bool:
        try:
            self._call("Handshake", provider_pb2.ProviderHandshakeRequest(engine_address=self.engine_address))
            return True
        except ProviderRpcError as e:
            if e.code == grpc.StatusCode.UNIMPLEMENTED:
                return False  # engine falls back to Configure's answer
            raise

    def plugin_info(self) -> str:
        return self._call("GetPluginInfo", empty_pb2.Empty()).version

    def configure(
        self, config: dict[str, Any], secret_keys: tuple[str, ...] = ()
    ) -> provider_pb2.ConfigureResponse:
        """Engine: Target.GetPackageConfig passes the *whole* stack config, namespaced, to dynamic
        providers; values are config strings (objects as JSON), secrets wrapped (KeepSecrets=true)."""
        args = {k: (P.secret(v) if k in secret_keys else v) for k, v in config.items()}
        req = provider_pb2.ConfigureRequest(
            args=P.to_struct(args, keep_secrets=True),
            variables={k: str(v) for k, v in config.items()},
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
            type="pulumi:providers:pulumi-python",
            name="default",
            urn=self.urn("pulumi:providers:pulumi-python", "default"),
        )
        resp = self._call("Configure", req)
        self.accept_secrets = resp.acceptSecrets  # False for python dynamic providers
        return resp

    def check(
        self, urn: str, olds: dict, news: dict, preview: bool = False, raise_on_failure: bool = True
    ) -> tuple[dict, list[tuple[str, str]]]:
        resp = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn=urn,
                name=urn.split("::")[-1],
                type=urn.split("::")[-2],
                olds=P.to_struct(olds, keep_unknowns=preview),
                news=P.to_struct(news, keep_unknowns=preview),
                randomSeed=os.urandom(32),
            ),
        )
        failures = [(f.property, f.reason) for f in resp.failures]
        if failures and raise_on_failure:
            raise CheckFailed(urn, failures)
        inputs = P.from_struct(resp.inputs)
        P.annotate_secrets(inputs, news)
        return inputs, failures

    def diff(
        self, urn: str, id_: str, old_outputs: dict, news: dict, old_inputs: dict, preview: bool = False
    ) -> DiffResult:
        resp = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                urn=urn,
                id=id_,
                name=urn.split("::")[-1],
                type=urn.split("::")[-2],
                olds=P.to_struct(old_outputs),
                news=P.to_struct(news, keep_unknowns=preview),
                old_inputs=P.to_struct(old_inputs),
            ),
        )
        return DiffResult(resp.changes, list(resp.replaces), resp.deleteBeforeReplace)

    def create(self, urn: str, news: dict) -> tuple[str, dict]:
        resp = self._call(
            "Create",
            provider_pb2.CreateRequest(
                urn=urn, name=urn.split("::")[-1], type=urn.split("::")[-2], properties=P.to_struct(news)
            ),
        )
        outs = P.from_struct(resp.properties)
        P.annotate_secrets(outs, news)
        return resp.id, outs

    def read(self, urn: str, id_: str, state: dict, inputs: dict) -> tuple[str, dict, dict | None]:
        resp = self._call(
            "Read",
            provider_pb2.ReadRequest(
                urn=urn,
                id=id_,
                name=urn.split("::")[-1],
                type=urn.split("::")[-2],
                properties=P.to_struct(state),
                inputs=P.to_struct(inputs),
            ),
        )
        outs = P.from_struct(resp.properties)
        new_inputs = P.from_struct(resp.inputs) if resp.HasField("inputs") and resp.inputs.fields else None
        P.annotate_secrets(outs, state)
        if new_inputs is not None:
            P.annotate_secrets(new_inputs, inputs)
        return resp.id, outs, new_inputs

    def update(self, urn: str, id_: str, old_outputs: dict, news: dict, old_inputs: dict) -> dict:
        resp = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                urn=urn,
                id=id_,
                name=urn.split("::")[-1],
                type=urn.split("::")[-2],
                olds=P.to_struct(old_outputs),
                news=P.to_struct(news),
                old_inputs=P.to_struct(old_inputs),
            ),
        )
        outs = P.from_struct(resp.properties)
        P.annotate_secrets(outs, news)
        return outs

    def delete(self, urn: str, id_: str, old_outputs: dict, old_inputs: dict) -> None:
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                urn=urn,
                id=id_,
                name=urn.split("::")[-1],
                type=urn.split("::")[-2],
                properties=P.to_struct(old_outputs),
                old_inputs=P.to_struct(old_inputs),
            ),
        )
