"""The program's stacks under shuffled schedules: every step finds on PBS what it needs, and no delete
removes what something still needs (`needs.py`), for several seeds of the engine's schedule shuffler.

Stacks: the example dev/staging/prod stacks, the target-side keys (`users`, `tokens`, `acls`,
`namespaces`, `passwordFromToken`) and `replications` (push and pull), each deployed, then destroyed,
against simulators, with the default parallelism and the steps shuffled by seed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline_engine import engine
from offline_engine import props as P

from .needs import NeedsObserver
from .stacks import EMPTY, PROJECT, StackRun

SEEDS = [11, 12, 13]


def stack_file(stack: str) -> dict[str, Any]:
    return yaml.safe_load((PROJECT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]


def target_side(cloud: Any) -> dict[str, Any]:
    tenant = "/datastore/offsite/tenant/a"
    return {
        "users": {"sync@pbs": {"server": "cloud", "comment": "pushes from onprem"}},
        "userPasswords": {"sync@pbs": "sync-user-password"},
        "tokens": {"sync@pbs!push": {"server": "cloud", "comment": "remote cloud on onprem"}},
        "acls": [
            {"server": "cloud", "path": tenant, "authId": "sync@pbs", "role": "DatastoreBackup"},
            {"server": "cloud", "path": tenant, "authId": "sync@pbs!push", "role": "DatastoreBackup"},
        ],
        "namespaces": [
            {"server": "cloud", "store": "offsite", "ns": "tenant"},
            {"server": "cloud", "store": "offsite", "ns": "tenant/a"},
        ],
        "remotes": {"cloud": {"server": "onprem", "host": cloud.host, "port": cloud.port,
                              "fingerprintFrom": "cloud", "passwordFromToken": "sync@pbs!push"}},
        "syncJobs": {"push-a": {"server": "onprem", "syncDirection": "push", "store": "store1",
                                "remote": "cloud", "remoteStore": "offsite", "remoteNs": "tenant/a"}},
    }  # fmt: skip


REPLICATIONS = {
    "push-cloud": {
        "direction": "push",
        "source": {"server": "onprem", "store": "store1"},
        "target": {"server": "cloud", "store": "offsite", "ns": "site1"},
        "schedule": "hourly",
        "removeVanished": True,
    },
    "pull-templates": {
        "direction": "pull",
        "source": {"server": "cloud", "store": "offsite"},
        "target": {"server": "onprem", "store": "store1", "ns": "from-cloud"},
        "user": "reader@pbs",
        "schedule": "daily",
    },
}


def resources(run: StackRun) -> list[dict[str, Any]]:
    if not Path(run.state).exists():
        return []
    return P.from_state_json(json.loads(Path(run.state).read_text())).get("resources", [])


def shuffled(run: StackRun, verb: str, seed: int) -> tuple[engine.Result, list[str]]:
    """`verb` with the schedule shuffled by `seed`; returns the result and the needs it broke."""
    observer = NeedsObserver(run.sims)
    before = resources(run)
    result = getattr(engine, verb)(str(PROJECT), run.state, shuffle=seed, observer=observer, **run.kwargs())
    return result, observer.problems(before, resources(run))


def build(name: str, pbs_sim_factory: Any, tmp_path: Path) -> StackRun:
    if name in ("staging", "prod"):
        config = stack_file(name)
        sims = {server: pbs_sim_factory(server) for server in sorted(config["pbs-replication:servers"])}
        keys = sorted(config["pbs-replication:remotes"])
        return StackRun(name, tmp_path, sims, remotePasswords={k: f"secret-of-{k}" for k in keys})
    sims = {
        "onprem": pbs_sim_factory("onprem", datastores=["store1"]),
        "cloud": pbs_sim_factory("cloud", datastores=["offsite"]),
    }
    if name == "dev":
        return StackRun("dev", tmp_path, sims)
    config = target_side(sims["cloud"]) if name == "target-side" else {"replications": REPLICATIONS}
    return StackRun("dev", tmp_path, sims, **{**EMPTY, **config})


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["dev", "staging", "prod", "target-side", "replications"])
def test_every_step_finds_what_it_needs_in_shuffled_schedules(name, seed, pbs_sim_factory, tmp_path):
    run = build(name, pbs_sim_factory, tmp_path)
    up, broken = shuffled(run, "up", seed)
    assert up.ok, up.diagnostics
    assert broken == [], f"seed {seed}: {broken}"
    assert run.preview().ops() == []
    destroy, broken = shuffled(run, "destroy", seed)
    assert destroy.ok, destroy.diagnostics
    assert broken == [], f"seed {seed}: {broken}"
    assert [r for r in resources(run) if r.get("custom")] == []
