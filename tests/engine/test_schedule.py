"""The engine stand-in's schedule: Pulumi's parallelism rules, the shuffler, the toy project in parallel."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from offline_engine import engine
from offline_engine.schedule import (
    Scheduler,
    Shuffler,
    StepCancelled,
    default_parallel,
    delete_antichains,
)

from .test_harness import Toy


def test_default_parallel_is_four_per_cpu_or_pulumi_parallel(monkeypatch):
    import os

    monkeypatch.delenv("PULUMI_PARALLEL", raising=False)
    assert default_parallel() == 4 * len(os.sched_getaffinity(0))
    monkeypatch.setenv("PULUMI_PARALLEL", "3")
    assert default_parallel() == 3


@pytest.mark.parametrize("parallel", [1, 3])
def test_at_most_parallel_steps_run_at_once_and_that_many_do(parallel):
    sched = Scheduler(parallel)
    running, most = [0], [0]
    lock = threading.Lock()
    full = threading.Barrier(parallel, timeout=10)  # `parallel` steps must be able to meet

    def step() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        full.wait()
        with lock:
            running[0] -= 1

    errors = sched.run_all([step] * (parallel * 4))
    assert errors == [None] * (parallel * 4)
    assert most[0] == parallel == sched.max_running


def test_a_step_waits_for_its_in_flight_dependency_only():
    sched = Scheduler(4)
    order: list[str] = []
    release = threading.Event()
    sched.announce("dep")
    sched.announce("free")

    def dep() -> None:
        release.wait(10)
        order.append("dep")

    t_dep = threading.Thread(target=sched.run, args=(dep,), kwargs={"key": "dep"})
    t_child = threading.Thread(
        target=sched.run, args=(lambda: order.append("child"),), kwargs={"deps": ["dep"]}
    )
    t_dep.start()
    t_child.start()
    # an independent step does not wait for `dep`: it completes while `dep` is held
    sched.run(lambda: order.append("free"), key="free", deps=["unrelated"])
    assert order == ["free"]
    release.set()
    for t in (t_dep, t_child):
        t.join(10)
    assert order == ["free", "dep", "child"]


def test_nothing_starts_after_a_failure_and_dependents_of_a_failure_are_cancelled():
    sched = Scheduler(1)
    sched.announce("bad")

    def bad() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        sched.run(bad, key="bad")
    with pytest.raises(StepCancelled, match="bad"):
        sched.run(lambda: None, deps=["bad"])
    with pytest.raises(StepCancelled, match="earlier step failed"):
        sched.run(lambda: None)


def test_the_shuffler_reorders_ready_steps_by_seed():
    def order(seed: int | None) -> list[int]:
        sched = Scheduler(1, Shuffler(seed) if seed is not None else None)
        seen: list[int] = []
        sched.run_all([lambda i=i: seen.append(i) for i in range(12)])
        return seen

    assert order(None) == list(range(12))
    shuffled = {tuple(order(seed)) for seed in range(5)}
    assert len(shuffled) > 1 and all(sorted(o) == list(range(12)) for o in shuffled)
    assert Shuffler(7).shuffled(range(20)) == Shuffler(7).shuffled(range(20))


def test_deletes_are_scheduled_in_reverse_dependency_antichains():
    def res(urn: str, deps: tuple[str, ...] = (), parent: str = "stack") -> dict:
        return {"urn": urn, "dependencies": list(deps), "parent": parent}

    base, other = res("base"), res("other")
    child = res("child", ("base",))
    grandchild = res("grand", ("child",), parent="base")
    layers = delete_antichains([base, other, child, grandchild])
    # as ScheduleDeletes: layers are found from the roots up, then reversed (`other` goes last)
    assert [sorted(r["urn"] for r in layer) for layer in layers] == [["grand"], ["child"], ["base", "other"]]


# ---- the toy project through the engine --------------------------------------------------


@pytest.fixture
def toy(tmp_path: Path) -> Toy:
    return Toy(tmp_path)


def test_independent_steps_run_in_parallel_by_default(toy: Toy):
    things = {n: {"value": n, "meet": "trio:3"} for n in ("a", "b", "c")}  # each create waits for the others
    r = toy.run("up", things)
    assert r.ok, r.diagnostics
    assert sorted(toy.log) == [["create", "a"], ["create", "b"], ["create", "c"]]
    assert toy.max_in_flight == 3


def test_parallel_1_runs_one_step_at_a_time(toy: Toy):
    things = {n: {"value": n} for n in "abcdef"}
    kw = toy.config(things)
    r = engine.up(str(toy.dir), toy.state, parallel=1, **kw)
    assert r.ok, r.diagnostics
    assert toy.max_in_flight == 1 and len(toy.log) == 6
    r = engine.destroy(str(toy.dir), toy.state, parallel=1, **kw)
    assert r.ok and toy.max_in_flight == 1 and toy.things == {}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_shuffled_schedules_keep_dependencies_first_on_create_and_last_on_delete(tmp_path: Path, seed):
    toy = Toy(tmp_path)
    things = {
        "base": {"value": "b"},
        "mid1": {"value": "m", "parent": "base"},
        "mid2": {"value": "m", "parent": "base"},
        "zleaf": {"value": "l", "parent": "mid1"},
        **{f"free{i}": {"value": str(i)} for i in range(4)},
    }
    kw = toy.config(things)
    r = engine.up(str(toy.dir), toy.state, shuffle=seed, **kw)
    assert r.ok, r.diagnostics
    created = [name for op, name in toy.log if op == "create"]
    assert created.index("base") < created.index("mid1") < created.index("zleaf")
    assert created.index("base") < created.index("mid2")
    state_order = [res["urn"].split("::")[-1] for res in toy.state_json()["resources"]]
    assert state_order.index("base") < state_order.index("mid1") < state_order.index("zleaf")
    r = engine.destroy(str(toy.dir), toy.state, shuffle=seed, **kw)
    assert r.ok, r.diagnostics
    deleted = [name for op, name in toy.log if op == "delete"]
    assert deleted.index("zleaf") < deleted.index("mid1") < deleted.index("base")
    assert deleted.index("mid2") < deleted.index("base")
    assert toy.things == {}
