"""Removing a replication after it has run — `destroy`, deleting its entry, moving its `target.ns` — deletes
the job, remote, ACL entries, token and user, keeps the target namespace and its backups (retainOnDelete),
and always completes; `deleteEmptyNamespace` deletes the namespace only while it is empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .support import CHILDREN, PULL, PUSH, custom_resources, objects, sims, stack

REPLICATED = ["ct/200/2024-05-01T00:00:00Z", "ct/200/2024-05-02T00:00:00Z"] + [
    f"vm/100/2024-05-0{day}T00:00:00Z" for day in (1, 2, 3)
]


@pytest.fixture
def servers(pbs_sim_factory):
    return sims(pbs_sim_factory)


def _run(servers, server: str, job: str) -> None:
    _, status = servers[server].run_sync_job(job)
    assert status["exitstatus"] == "OK", status


def _pushed(servers, tmp_path, **options):
    run = stack(servers, tmp_path, offsite={**PUSH, **options})
    up = run.up()
    assert up.ok, up.diagnostics
    _run(servers, "onprem", "offsite")
    assert servers["cloud"].snapshot_names("offsite", "dr") == REPLICATED
    return run


def _deleted(result) -> list[str]:
    return sorted(name for op, name in result.ops() if op == "delete" and name not in result.retained())


def _left_only_the_namespace(servers, namespace=("cloud", "offsite", "dr")) -> None:
    left = objects(servers)
    assert (left.users, left.tokens, left.acls, left.remotes, left.jobs) == (
        set(),
        set(),
        set(),
        set(),
        set(),
    )
    assert left.namespaces == {namespace}


def test_destroy_after_a_run_completes_and_keeps_only_the_namespace_with_its_backups(servers, tmp_path):
    run = _pushed(servers, tmp_path)
    result = run.destroy()
    assert result.ok, result.diagnostics
    assert result.retained() == ["offsite-namespace"]
    assert _deleted(result) == sorted(f"offsite-{child}" for child in CHILDREN)
    assert [s.label for s in result.steps if s.retain] == ["delete[retain]"]

    _left_only_the_namespace(servers)
    assert servers["cloud"].snapshot_names("offsite", "dr") == REPLICATED
    assert servers["cloud"].snapshot_names("offsite") == [
        "ct/300/2024-05-01T00:00:00Z",
        "ct/300/2024-05-02T00:00:00Z",
    ]
    assert custom_resources(run) == []

    again = run.destroy()
    assert again.ok and again.steps == []
    _left_only_the_namespace(servers)


def test_removing_the_entry_after_a_run_plans_then_does_the_same(servers, tmp_path):
    run = _pushed(servers, tmp_path)
    note = run.state_json()["outputs"]["replications"]["offsite"]["keptOnRemoval"]
    assert note.startswith("namespace offsite:dr on server cloud and its backups; to delete them on purpose")
    run.set(replications={})
    plan = run.preview()
    assert plan.ok, plan.diagnostics
    assert plan.retained() == ["offsite-namespace"]
    assert _deleted(plan) == sorted(f"offsite-{child}" for child in CHILDREN)
    assert len(objects(servers).jobs) == 1  # a preview changes nothing

    result = run.up()
    assert result.ok, result.diagnostics
    assert (result.retained(), _deleted(result)) == (plan.retained(), _deleted(plan))
    _left_only_the_namespace(servers)
    assert servers["cloud"].snapshot_names("offsite", "dr") == REPLICATED
    assert custom_resources(run) == []
    assert "replications" not in result.outputs  # the CLI prints the removed output, note included
    assert run.up().ops() == []


def test_moving_target_ns_after_a_run_creates_the_new_namespace_and_keeps_the_old(servers, tmp_path):
    run = _pushed(servers, tmp_path)
    run.set(replications={"offsite": {**PUSH, "target": {**PUSH["target"], "ns": "dr2"}}})
    plan = run.preview()
    assert plan.ok, plan.diagnostics
    assert plan.retained() == ["offsite-namespace"]
    assert [s.label for s in plan.steps if s.urn.endswith("::offsite-namespace")] == ["replace[retain]"]

    result = run.up()
    assert result.ok, result.diagnostics
    assert result.retained() == ["offsite-namespace"]
    assert objects(servers).namespaces == {("cloud", "offsite", "dr"), ("cloud", "offsite", "dr2")}
    _run(servers, "onprem", "offsite")
    assert servers["cloud"].snapshot_names("offsite", "dr2") == REPLICATED
    assert servers["cloud"].snapshot_names("offsite", "dr") == REPLICATED  # the old copy is kept
    assert run.up().ops() == []


def test_delete_empty_namespace_deletes_it_while_empty(servers, tmp_path):
    run = stack(servers, tmp_path, offsite={**PUSH, "deleteEmptyNamespace": True})
    assert run.up().ok
    assert ("cloud", "offsite", "dr") in objects(servers).namespaces
    result = run.destroy()
    assert result.ok, result.diagnostics
    assert result.retained() == []
    assert _deleted(result) == sorted(f"offsite-{child}" for child in (*CHILDREN, "namespace"))
    assert objects(servers).namespaces == set()


def test_delete_empty_namespace_still_keeps_a_namespace_that_holds_backups(servers, tmp_path):
    run = _pushed(servers, tmp_path, deleteEmptyNamespace=True)
    result = run.destroy()
    assert result.ok, result.diagnostics
    _left_only_the_namespace(servers)
    assert servers["cloud"].snapshot_names("offsite", "dr") == REPLICATED
    assert custom_resources(run) == []


def test_a_pull_replication_keeps_its_local_target_namespace(servers, tmp_path):
    run = stack(servers, tmp_path, back=PULL)
    assert run.up().ok
    _run(servers, "onprem", "back")
    pulled = servers["onprem"].snapshot_names("store1", "from-cloud")
    assert pulled == ["ct/300/2024-05-01T00:00:00Z", "ct/300/2024-05-02T00:00:00Z"]
    result = run.destroy()
    assert result.ok, result.diagnostics
    assert result.retained() == ["back-namespace"]
    _left_only_the_namespace(servers, ("onprem", "store1", "from-cloud"))
    assert servers["onprem"].snapshot_names("store1", "from-cloud") == pulled


def test_the_documented_way_to_delete_a_kept_namespace_with_its_backups(servers, tmp_path):
    run = _pushed(servers, tmp_path)
    run.set(replications={})
    assert run.up().ok
    kept = {"server": "cloud", "store": "offsite", "ns": "dr"}
    run.set(namespaces=[{**kept, "adopt": True, "deleteGroups": True}])
    adopted = run.up()
    assert adopted.ok, adopted.diagnostics
    assert servers["cloud"].snapshot_names("offsite", "dr") == REPLICATED  # adopting changes nothing
    run.set(namespaces=[])
    removed = run.up()
    assert removed.ok, removed.diagnostics
    assert removed.retained() == [] and ("delete", "cloud:offsite:dr") in removed.ops()
    assert objects(servers).namespaces == set()
    assert servers["cloud"].snapshot_names("offsite", "dr") == []


def test_turning_delete_empty_namespace_on_later_takes_effect_at_the_next_removal(servers, tmp_path):
    run = stack(servers, tmp_path, offsite=PUSH)
    assert run.up().ok
    assert run.resource("offsite-namespace")["retainOnDelete"] is True
    run.set(replications={"offsite": {**PUSH, "deleteEmptyNamespace": True}})
    changed = run.up()
    assert changed.ok, changed.diagnostics
    assert "retainOnDelete" not in run.resource("offsite-namespace")
    assert run.destroy().retained() == []
    assert objects(servers).namespaces == set()


def test_a_stack_deployed_before_retention_gets_it_at_its_next_up(servers, tmp_path):
    run = _pushed(servers, tmp_path)
    state = run.state_json()
    for resource in state["resources"]:
        resource.pop("retainOnDelete", None)  # as the state of an earlier version of the program
    Path(run.state).write_text(json.dumps(state))
    assert run.up().ops() == []  # nothing changes on PBS; the state records the option again
    assert run.resource("offsite-namespace")["retainOnDelete"] is True
    assert run.destroy().ok
    _left_only_the_namespace(servers)
