"""The example stacks comply with their own policy config: no mandatory violation.

Each stack is deployed by the real program through the mini engine against simulators (as in
tests/program), then every enabled rule runs, at the level `policy/config/<stack>.json` gives it,
over the resources the program registered and the stack file's real `servers`.
"""

from __future__ import annotations

import pytest
import yaml
from pbs_policy.pack import build_policies
from pbs_policy.resources import TYPE_PREFIX
from pbs_policy.stack_facts import StackFacts, parse_servers
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

from offline_engine import engine
from offline_engine import props as P
from tests.program.stacks import PROJECT, StackRun

from .builders import check_resource, check_stack, resource
from .policy_config import CONFIG_DIR, settings_for


def _stack_config(stack: str) -> dict:
    return yaml.safe_load((PROJECT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]


def _violations(stack: str, resources: list, facts: StackFacts) -> dict[str, list[str]]:
    policies = build_policies(read_facts=lambda: facts)
    settings = settings_for(policies, CONFIG_DIR / f"{stack}.json")
    found: dict[str, list[str]] = {}
    for policy in policies:
        setting = settings[policy.name]
        if setting.level == EnforcementLevel.DISABLED:
            continue
        if isinstance(policy, ResourceValidationPolicy):
            messages = [m for r in resources for m in check_resource(policy, r, setting.properties).messages]
        else:
            messages = check_stack(policy, resources, setting.properties).messages
        found.setdefault(setting.level.value, []).extend(f"{policy.name}: {m}" for m in messages)
    return found


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_example_stack_has_no_mandatory_policy_violation(stack, pbs_sim_factory, tmp_path):
    config = _stack_config(stack)
    sims = {name: pbs_sim_factory(name) for name in sorted(config["pbs-replication:servers"])}
    remote_keys = sorted(config.get("pbs-replication:remotes", {}))
    run = StackRun(stack, tmp_path, sims, remotePasswords={k: f"secret-of-{k}" for k in remote_keys})
    up = run.up()
    assert up.ok, up.diagnostics

    state = engine.load_state(run.state)
    resources = [
        resource(r["type"], r["urn"].split("::")[-1], P.unwrap(r["inputs"]))
        for r in state["resources"]
        if r.get("custom") and r["type"].startswith(TYPE_PREFIX)
    ]
    assert resources, "the program registered no PBS resource"
    facts = StackFacts(stack=stack, servers=parse_servers(config["pbs-replication:servers"]))
    violations = _violations(stack, resources, facts)
    assert violations.get("mandatory", []) == []
