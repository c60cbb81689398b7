"""Hooks into the mini engine and the simulator that the reliability scenarios need.

* `HookedDeployment` is the mini engine's `Deployment` with four additions, none of which changes
  its step logic: the plugin process is started as soon as the deployment starts (in parallel with
  the program, to save ~0.2 s per run), every plugin process it starts is kept in `PluginLog`
  (stdout/stderr are read after the run, for the secrets scan), RPCs can be observed or
  interrupted through `RpcHooks` (`before(name, host)` runs just before an RPC is sent — a hook
  may kill the plugin there, as a crash would), and a failed RPC's error names its resource
  (the Pulumi CLI shows each step's error under the resource it belongs to).
* `run_verb` runs `up`/`preview`/`refresh`/`destroy` with those hooks; a refresh or destroy whose
  provider call fails returns a failed `Result` (as the CLI reports a failed refresh) instead of
  raising.
* `SimHooks` runs a callback inside an in-process simulator when a request matching a method and
  path pattern arrives, after the request was read and before it is handled (`on_request`: the
  place to expire a ticket, write the same config file as another client, hold a request, or kill
  the plugin "while PBS works"), or once it has been handled (`on_handled`). It also counts which
  injected faults were consumed and which job-lock acquisitions failed.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from offline_engine import engine
from offline_engine.provider_host import DynamicProviderHost, ProviderRpcError
from pbs_sim.testing import SimHandle


@dataclass
class RpcHooks:
    """Callbacks around the plugin's RPCs: `before[name]` is called as `fn(host, request)`."""

    before: dict[str, Callable[[DynamicProviderHost, Any], None]] = field(default_factory=dict)


@dataclass
class PluginLog:
    """Every plugin process started by hooked deployments, for inspection after the run."""

    hosts: list[DynamicProviderHost] = field(default_factory=list)

    def output(self) -> str:
        """Everything the plugins wrote to stdout and stderr."""
        return "".join(line for host in self.hosts for line in host.stderr_lines)


class HookedHost(DynamicProviderHost):
    """The tier-1 plugin host with `RpcHooks`."""

    hooks: RpcHooks = RpcHooks()

    def _call(self, name: str, req: Any) -> Any:
        hook = self.hooks.before.get(name)
        if hook is not None:
            hook(self, req)
        try:
            return super()._call(name, req)
        except ProviderRpcError as error:
            # the Pulumi CLI shows a step's error under its resource: name it, as the CLI does
            urn = getattr(req, "urn", "")
            if urn and urn not in str(error):
                error.args = (f"{urn}: {error.args[0] if error.args else error}",)
            raise


def kill_plugin(host: DynamicProviderHost) -> None:
    """SIGKILL the plugin process and reap it (what a crash or an OOM kill does)."""
    if host.proc is not None and host.proc.poll() is None:
        host.proc.kill()
        host.proc.wait(10)


class HookedDeployment(engine.Deployment):
    """`engine.Deployment` that starts its plugin early, logs it and applies `RpcHooks`."""

    rpc_hooks: RpcHooks = RpcHooks()
    plugin_log: PluginLog | None = None

    def _provider(self) -> DynamicProviderHost:
        if self.host is None:
            host = HookedHost(cwd=self.program_dir, project=self.project, python=self.python, env=self.env)
            host.hooks = self.rpc_hooks
            if self.plugin_log is not None:
                self.plugin_log.hosts.append(host)
            host.start()
            host.configure(dict(self.config), self.secret_keys)
            self.host = host
        return self.host

    def run(self) -> engine.Result:
        def start() -> None:
            with self.lock:
                self._provider()

        early = threading.Thread(target=start, daemon=True)
        early.start()
        try:
            return super().run()
        finally:
            early.join(60)


def run_verb(
    verb: str,
    program_dir: str,
    state_path: str,
    *,
    rpc_hooks: RpcHooks | None = None,
    plugin_log: PluginLog | None = None,
    **kwargs: Any,
) -> engine.Result:
    """`engine.<verb>` through `HookedDeployment`; provider failures in refresh/destroy give ok=False."""

    class Bound(HookedDeployment):
        pass

    Bound.rpc_hooks = rpc_hooks or RpcHooks()
    Bound.plugin_log = plugin_log
    if verb in ("up", "preview"):
        return Bound(program_dir, state_path, preview=verb == "preview", **kwargs).run()
    # `engine.refresh`/`engine.destroy` build their `Deployment` by name: swap it in for the call
    # (under a lock, so that deployments in other threads are not affected)
    with _SWAP_LOCK, mock.patch.object(engine, "Deployment", Bound):
        try:
            return getattr(engine, verb)(program_dir, state_path, **kwargs)
        except ProviderRpcError as error:
            return engine.Result(False, [], {}, [f"error: {error}"], -1, {})


_SWAP_LOCK = threading.Lock()


@dataclass
class _Callback:
    method: str
    pattern: str
    callback: Callable[[], None]
    times: int
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.fired < self.times
            and self.method in ("*", method)
            and fnmatch.fnmatchcase(path, self.pattern)
        )


class SimHooks:
    """Observe an in-process simulator's requests; see the module docstring."""

    def __init__(self, sim: SimHandle) -> None:
        self.sim = sim
        control = sim.simulator.control
        backend = sim.simulator.backend
        assert backend is not None, "the simulator is not running"
        self._faults = control.faults
        self._take = control.faults.take
        self._record = control.requests.record
        self._acquire = backend.jobs.acquire
        self._lock = threading.Lock()
        self._callbacks: list[_Callback] = []
        self._handled: list[_Callback] = []
        self.consumed: list[int] = []
        """Ids of injected faults that a request consumed."""
        self.lock_failures: list[str] = []
        """Job ids whose lock could not be taken (job lock busy)."""
        control.faults.take = self._on_request  # type: ignore[method-assign]
        control.requests.record = self._on_record  # type: ignore[method-assign]
        backend.jobs.acquire = self._on_acquire  # type: ignore[method-assign]

    def on_request(
        self, method: str, pattern: str, callback: Callable[[], None], times: int = 1
    ) -> _Callback:
        """Call `callback()` for the next `times` requests matching (`.fired` counts them)."""
        entry = _Callback(method, pattern, callback, times)
        with self._lock:
            self._callbacks.append(entry)
        return entry

    def on_handled(
        self, method: str, pattern: str, callback: Callable[[], None], times: int = 1
    ) -> _Callback:
        """Call `callback()` once each of the next `times` matching requests has been handled (its
        effect is in place; the answer is not sent yet)."""
        entry = _Callback(method, pattern, callback, times)
        with self._lock:
            self._handled.append(entry)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._callbacks.clear()
            self._handled.clear()

    def _on_record(self, method: str, path: str, *args: Any) -> None:
        self._record(method, path, *args)
        due: list[Callable[[], None]] = []
        with self._lock:
            for entry in self._handled:
                if entry.matches(method, path):
                    entry.fired += 1
                    due.append(entry.callback)
        for callback in due:
            callback()

    def _on_request(self, method: str, path: str) -> Any:
        due: list[Callable[[], None]] = []
        with self._lock:
            for entry in self._callbacks:
                if entry.matches(method, path):
                    entry.fired += 1
                    due.append(entry.callback)
        for callback in due:
            callback()
        fault = self._take(method, path)
        if fault is not None:
            with self._lock:
                self.consumed.append(fault.id)
        return fault

    def _on_acquire(self, jobtype: str, job_id: str, timeout: float | None = None) -> Any:
        try:
            return self._acquire(jobtype, job_id, timeout=timeout)
        except Exception:
            with self._lock:
                self.lock_failures.append(job_id)
            raise


__all__ = ["HookedDeployment", "PluginLog", "RpcHooks", "SimHooks", "kill_plugin", "run_verb"]
