"""Profiles the dynamic-provider plugin from inside its own process (used by `bench/profiling.py`).

The bench starts the plugin with this directory on `PYTHONPATH` and `PBS_BENCH_PROFILE_DIR` set;
Python then imports this module at start-up. It wraps each RPC method of the servicer the SDK
registers (`add_ResourceProviderServicer_to_server`) in a cProfile profiler of its own (one per RPC
name and worker thread, so concurrent RPCs never share one). SIGUSR1 drops what was recorded so
far (the bench sends it after warming the plugin up: imports and the first unpickling are not what
it measures); on SIGTERM — how the engine and the bench stop the plugin — it writes one merged
`<RPC>.prof` per RPC name and the number of calls of each, then exits. Without the variable it
does nothing.
"""

from __future__ import annotations

import os

_OUT = os.environ.get("PBS_BENCH_PROFILE_DIR")

if _OUT:
    import cProfile
    import functools
    import pstats
    import signal
    import threading
    from typing import Any

    from pulumi.runtime.proto import provider_pb2_grpc

    _RPCS = ("Check", "Diff", "Create", "Update", "Read", "Delete", "Configure")
    _profiles: dict[tuple[str, int], cProfile.Profile] = {}
    _calls: dict[str, int] = {}
    _guard = threading.Lock()

    def _profiled(name: str, method: Any) -> Any:
        @functools.wraps(method)
        def run(request: Any, context: Any) -> Any:
            key = (name, threading.get_ident())
            with _guard:
                profile = _profiles.setdefault(key, cProfile.Profile())
                _calls[name] = _calls.get(name, 0) + 1
            profile.enable()
            try:
                return method(request, context)
            finally:
                profile.disable()

        return run

    _register = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def _register_profiled(servicer: Any, server: Any) -> Any:
        for name in _RPCS:
            setattr(servicer, name, _profiled(name, getattr(servicer, name)))
        return _register(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = _register_profiled

    def _dump(*_: Any) -> None:
        with _guard:
            by_name: dict[str, pstats.Stats] = {}
            for (name, _thread), profile in _profiles.items():
                if name in by_name:
                    by_name[name].add(profile)
                else:
                    by_name[name] = pstats.Stats(profile)
            for name, stats in by_name.items():
                stats.dump_stats(os.path.join(_OUT, f"{name}.prof"))
            with open(os.path.join(_OUT, "calls.txt"), "w") as f:
                f.writelines(f"{name} {count}\n" for name, count in sorted(_calls.items()))
        os._exit(0)

    def _reset(*_: Any) -> None:
        with _guard:
            _profiles.clear()
            _calls.clear()
        with open(os.path.join(_OUT, "reset"), "a") as f:
            f.write("reset\n")  # the bench waits for this line before it measures

    signal.signal(signal.SIGTERM, _dump)
    signal.signal(signal.SIGUSR1, _reset)
