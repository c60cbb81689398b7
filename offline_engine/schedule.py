"""How the mini engine schedules steps: Pulumi's parallelism rules, and a seeded schedule shuffler for tests.

Pulumi's rules, as pulumi/pulumi implements them:

* `pulumi up` runs up to `--parallel` steps at once; the default is 4 x the usable CPUs, or
  `PULUMI_PARALLEL` (`defaultParallel()` in pkg/cmd/pulumi/operations/up.go). The step executor's workers
  pull chains of steps (e.g. delete-then-create for a delete-before-replace) and run each chain serially
  (pkg/resource/deploy/step_executor.go).
* A registration is ready when it arrives: the language SDK sends RegisterResource only once the
  resource's inputs, parent and `depends_on` resources have resolved, i.e. once their own steps have
  completed (the step executor's comment on chains). `Scheduler.run` nevertheless waits for any declared
  dependency still in flight in this deployment, so a step can never start before one it depends on.
* After the first failed step, no further step starts (`cancelDueToError`); steps already running finish.
* Deletes are scheduled in antichains (`ScheduleDeletes` in pkg/resource/deploy/step_generator.go): a
  condemned resource is deleted only after every condemned resource that depends on it (dependencies or
  parent, pkg/resource/graph/dependency_graph.go) is gone; each antichain runs in parallel.

The `Shuffler` (tests only) perturbs the schedule within those rules: with a seed, every ready step
waits a random short delay, and when steps compete for a free slot a random one goes first, so a step
that forgot a dependency starts before it in some schedule instead of only in registration order.
"""

from __future__ import annotations

import heapq
import itertools
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

SEED_ENV = "OFFLINE_ENGINE_SHUFFLE_SEED"
"""Set to an integer to shuffle every deployment's schedule with that seed (what `make test` does)."""


def default_parallel() -> int:
    """Pulumi's default `--parallel`: `PULUMI_PARALLEL` if set and positive, else 4 x usable CPUs."""
    value = os.environ.get("PULUMI_PARALLEL", "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return 4 * cpus


class StepCancelled(Exception):
    """A step that did not start because an earlier step failed (Pulumi stops scheduling then)."""


class Shuffler:
    """Seeded random delays and orderings of ready steps (thread-safe; one per deployment)."""

    def __init__(self, seed: int, max_delay: float = 0.01) -> None:
        self.seed = seed
        self.max_delay = max_delay
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Shuffler(seed={self.seed})"

    def delay(self) -> float:
        """How long a ready step waits before it competes for a slot (0 half of the time)."""
        with self._lock:
            return 0.0 if self._rng.random() < 0.5 else self._rng.uniform(0, self.max_delay)

    def priority(self) -> float:
        with self._lock:
            return self._rng.random()

    def shuffled(self, items: Iterable[T]) -> list[T]:
        out = list(items)
        with self._lock:
            self._rng.shuffle(out)
        return out

    @classmethod
    def from_env(cls) -> Shuffler | None:
        value = os.environ.get(SEED_ENV, "").strip()
        return cls(int(value)) if value.lstrip("-").isdigit() else None


class Scheduler:
    """At most `parallel` steps at once, each after the in-flight steps it depends on; none after a fault."""

    def __init__(self, parallel: int, shuffler: Shuffler | None = None) -> None:
        if parallel < 1:
            raise ValueError(f"parallel must be at least 1, got {parallel}")
        self.parallel = parallel
        self.shuffler = shuffler
        self._cond = threading.Condition()
        self._running = 0
        self._queue: list[tuple[float, int]] = []
        self._seq = itertools.count()
        self._in_flight: set[str] = set()
        self._failed_keys: set[str] = set()
        self.failed = False
        self.max_running = 0
        """The most steps that ran at the same time (for tests and the bench)."""

    # ---- dependencies -------------------------------------------------------------------
    def announce(self, key: str) -> None:
        """`key`'s step exists and has not finished: steps depending on `key` wait for it."""
        with self._cond:
            self._in_flight.add(key)

    def _finish(self, key: str | None, ok: bool) -> None:
        with self._cond:
            if key is not None:
                self._in_flight.discard(key)
                if not ok:
                    self._failed_keys.add(key)
            if not ok:
                self.failed = True
            self._cond.notify_all()

    def _wait_for(self, deps: Iterable[str]) -> None:
        wanted = set(deps)
        with self._cond:
            self._cond.wait_for(lambda: not (wanted & self._in_flight))
            broken = wanted & self._failed_keys
        if broken:
            raise StepCancelled(f"a dependency failed: {', '.join(sorted(broken))}")

    # ---- slots --------------------------------------------------------------------------
    @contextmanager
    def _slot(self) -> Any:
        prio = self.shuffler.priority() if self.shuffler else 0.0
        ticket = (prio, next(self._seq))
        with self._cond:
            heapq.heappush(self._queue, ticket)
            self._cond.wait_for(lambda: self._running < self.parallel and self._queue[0] == ticket)
            heapq.heappop(self._queue)
            self._running += 1
            self.max_running = max(self.max_running, self._running)
            self._cond.notify_all()  # the next in line may fit too
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()

    def run(self, fn: Callable[[], T], *, key: str | None = None, deps: Iterable[str] = ()) -> T:
        """Run one step (or chain of steps) `fn` under the rules; `key` must have been `announce`d."""
        ok = False
        try:
            self._wait_for(deps)
            if self.shuffler is not None:
                pause = self.shuffler.delay()
                if pause:
                    time.sleep(pause)  # the shuffle: let other ready steps overtake this one
            with self._slot():
                if self.failed:
                    raise StepCancelled("not started: an earlier step failed")
                result = fn()
            ok = True
            return result
        finally:
            self._finish(key, ok)

    def wait_idle(self, timeout: float = 120.0) -> bool:
        """Until no step runs (a program that died may leave RPC handlers finishing their step)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._running == 0 and not self._in_flight, timeout)

    def run_all(self, fns: Sequence[Callable[[], T]]) -> list[Exception | None]:
        """Run independent steps (an antichain) in parallel; returns each one's exception or None."""
        order = list(range(len(fns)))
        if self.shuffler is not None:
            order = self.shuffler.shuffled(order)
        errors: list[Exception | None] = [None] * len(fns)

        def one(i: int) -> None:
            try:
                self.run(fns[i])
            except Exception as error:  # reported to the caller
                errors[i] = error

        with ThreadPoolExecutor(max_workers=max(1, min(self.parallel, len(fns)))) as pool:
            list(pool.map(one, order))
        return errors


def delete_antichains(condemned: Sequence[dict]) -> list[list[dict]]:
    """Pulumi's `ScheduleDeletes`: layers of state resources that can be deleted in parallel, in order.

    A resource is deleted only after every condemned resource that depends on it (`dependencies`,
    `parent`) is. Within a layer, the state order (topological) is kept."""
    left = list(condemned)
    layers: list[list[dict]] = []
    while left:
        remaining = {r["urn"] for r in left}
        layer = [
            r for r in left if not ({*r.get("dependencies", ()), r.get("parent")} - {r["urn"]}) & remaining
        ]
        if not layer:  # a cycle cannot come from a program; keep going one at a time rather than hang
            layer = [left[-1]]
        layers.append(layer)
        done = {r["urn"] for r in layer}
        left = [r for r in left if r["urn"] not in done]
    layers.reverse()
    return layers
