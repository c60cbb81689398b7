"""Every example stack, and a generated stack using every `replications` option, passes its own policy
config (and the examples prod's too) through the real policy analyzer (`python -m pulumi.policy`,
driven over gRPC as the CLI does).

The stacks run through the real program and the engine stand-in against simulators: the examples are
deployed (`up`), the generated stack is previewed (the simulators do not hold its encryption keys; a
preview is also where a reviewer meets the policy). Each registered PBS resource goes to `Analyze` with
its URN, parent and inputs, all of them to `AnalyzeStack`; no diagnostic may be mandatory. A failing
policy names the stack-config key to set: for a replication's child, the replication's own key.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pbs_policy.resources import TYPE_PREFIX
from pulumi.runtime.proto import analyzer_pb2

from offline_engine import engine
from offline_engine import props as P
from tests.lifecycle.support import stack as replications_stack
from tests.program.stacks import PROJECT, StackRun

from .generated_stack import every_option, policy_config, unused_keys
from .test_pack_process import PackProcess, _analyze_stack

LEVEL_NAMES = {v: k for k, v in analyzer_pb2.EnforcementLevel.items()}


def _file_config(stack: str) -> dict[str, Any]:
    return yaml.safe_load((PROJECT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]


def _analyzer_resources(records: list[dict]) -> list[analyzer_pb2.AnalyzerResource]:
    """The PBS resources of a deployment as the engine hands them to an analyzer."""
    out = []
    for r in records:
        if not (r.get("custom") and r["type"].startswith(TYPE_PREFIX)):
            continue
        inputs = {k: v for k, v in r["inputs"].items() if k != "__provider"}
        parent = r.get("parent") or ""
        out.append(
            analyzer_pb2.AnalyzerResource(
                type=r["type"],
                urn=r["urn"],
                name=r["urn"].split("::")[-1],
                properties=P.to_struct(inputs, keep_unknowns=True),
                parent=parent,
                options=analyzer_pb2.AnalyzerResourceOptions(parent=parent),
            )
        )
    return out


def _diagnostics(pack: PackProcess, resources: list[analyzer_pb2.AnalyzerResource]) -> list[Any]:
    found = []
    for res in resources:
        request = analyzer_pb2.AnalyzeRequest(
            type=res.type, urn=res.urn, name=res.name, properties=res.properties, options=res.options
        )
        found += list(pack.stub.Analyze(request).diagnostics)
    return found + _analyze_stack(pack, resources)


def _mandatory(diagnostics: list[Any]) -> list[str]:
    return [
        f"{d.policyName}: {d.message}" for d in diagnostics if d.enforcementLevel == analyzer_pb2.MANDATORY
    ]


@pytest.fixture
def packs():
    started: list[PackProcess] = []
    yield started
    for pack in started:
        pack.close()


STACK_POLICIES = [(s, s) for s in ("dev", "staging", "prod")] + [("dev", "prod"), ("staging", "prod")]


def _stores(config: dict, server: str) -> list[str]:
    """The datastores a stack file names on `server` (jobs, replications' sides, namespaces)."""
    found = set()
    remotes = config.get("pbs-replication:remotes", {})
    for job in config.get("pbs-replication:syncJobs", {}).values():
        if job.get("server") == server:
            found.add(job["store"])
        remote = remotes.get(job.get("remote"), {})
        if remote.get("fingerprintFrom") == server:
            found.add(job["remoteStore"])
    for entry in config.get("pbs-replication:replications", {}).values():
        found |= {side["store"] for side in (entry["source"], entry["target"]) if side["server"] == server}
    for item in config.get("pbs-replication:namespaces", []):
        if item.get("server") == server:
            found.add(item["store"])
    return sorted(found) or ["store1"]


@pytest.mark.parametrize(
    ("stack", "policy"), STACK_POLICIES, ids=[f"{s}-under-{p}" for s, p in STACK_POLICIES]
)
def test_each_example_stack_passes_its_own_and_prod_s_policy(stack, policy, pbs_sim_factory, tmp_path, packs):
    config = _file_config(stack)
    servers = config["pbs-replication:servers"]
    sims = {name: pbs_sim_factory(name, datastores=_stores(config, name)) for name in sorted(servers)}
    remote_keys = sorted(config.get("pbs-replication:remotes", {}))
    run = StackRun(stack, tmp_path, sims, remotePasswords={k: f"secret-of-{k}" for k in remote_keys})
    up = run.up()
    assert up.ok, up.diagnostics
    resources = _analyzer_resources(engine.load_state(run.state)["resources"])
    assert resources, "the program registered no PBS resource"

    pack = PackProcess(stack, servers)  # the stack file's own servers, as the CLI passes its config
    packs.append(pack)
    pack.configure(policy)
    diagnostics = _diagnostics(pack, resources)
    assert _mandatory(diagnostics) == []


def _generated(pbs_sim_factory, tmp_path):
    onprem = pbs_sim_factory("onprem", datastores=["store1"])
    cloud = pbs_sim_factory("cloud", datastores=["offsite"])
    entries = every_option(onprem, cloud)
    assert unused_keys(entries) == set()
    run = replications_stack({"onprem": onprem, "cloud": cloud}, tmp_path, **entries)
    # both targets verified (sync-target-pruned-or-verified)
    targets = {"cloud": "offsite", "onprem": "store1"}
    run.set(
        verifyJobs={
            f"verify-{s}": {"server": n, "store": s, "schedule": "sat 03:00"} for n, s in targets.items()
        }
    )
    return entries, run


def _preview_records(run: StackRun) -> list[dict]:
    deployment = engine.Deployment(str(PROJECT), run.state, preview=True, **run.kwargs())
    result = deployment.run()
    assert result.ok, result.diagnostics
    return deployment.new


def test_a_stack_using_every_replication_option_passes_prod_policy(pbs_sim_factory, tmp_path, packs):
    entries, run = _generated(pbs_sim_factory, tmp_path)
    resources = _analyzer_resources(_preview_records(run))
    assert {r.name for r in resources} >= {"push-all-job", "pull-all-job", "push-all-token", "pull-all-token"}

    pack = PackProcess("prod", run.overrides["servers"])
    packs.append(pack)
    pack.configure("prod", policy_config(entries, tmp_path / "policy.json"))
    diagnostics = _diagnostics(pack, resources)
    assert _mandatory(diagnostics) == []
    assert [d.policyName for d in diagnostics] == []  # nothing advisory either


def test_a_replication_without_expiry_is_told_its_own_key(pbs_sim_factory, tmp_path, packs):
    entries, run = _generated(pbs_sim_factory, tmp_path)
    push = {k: v for k, v in entries["push-all"].items() if k not in ("tokenLifetimeDays", "schedule")}
    run.set(replications={**entries, "push-all": push})
    resources = _analyzer_resources(_preview_records(run))

    pack = PackProcess("prod", run.overrides["servers"])
    packs.append(pack)
    pack.configure("prod", policy_config(entries, tmp_path / "policy.json"))
    by_policy = {d.policyName: d.message for d in _diagnostics(pack, resources)}
    assert sorted(by_policy) == ["api-token-expires", "sync-job-has-schedule"]
    assert "Set replications.push-all.tokenExpire (epoch seconds), or " in by_policy["api-token-expires"]
    assert "replications.push-all.tokenLifetimeDays" in by_policy["api-token-expires"]
    assert "expire " not in by_policy["api-token-expires"].replace("tokenExpire", "")
    assert "in replications.push-all.schedule." in by_policy["sync-job-has-schedule"]
