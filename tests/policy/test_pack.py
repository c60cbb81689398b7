"""The pack's contents and its per-stack policy config files."""

import json

import pytest
from pbs_policy.pack import build_policies
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from .conftest import REPO_ROOT
from .policy_config import CONFIG_DIR, load_entries, settings_for

POLICIES = build_policies(read_facts=lambda: pytest.fail("no rule may read stack facts while being built"))
BY_NAME = {policy.name: policy for policy in POLICIES}
ENVIRONMENTS = ("dev", "staging", "prod")
JSON_TYPES = {"array": list, "string": str, "boolean": bool, "integer": int, "object": dict}


def _stack_names():
    return sorted(
        p.name.removeprefix("Pulumi.").rsplit(".", 1)[0] for p in (REPO_ROOT / "stacks").glob("Pulumi.*.y*ml")
    )


def test_policy_names_are_unique_and_not_reserved():
    assert len(BY_NAME) == len(POLICIES) == 8
    assert "all" not in BY_NAME


def test_every_policy_is_a_resource_or_stack_validation_with_a_description():
    for policy in POLICIES:
        assert isinstance(policy, ResourceValidationPolicy | StackValidationPolicy)
        assert policy.description.strip()
        assert policy.enforcement_level is not None


def test_config_schemas_are_json_with_defaults_of_the_declared_type():
    for policy in POLICIES:
        if policy.config_schema is None:
            continue
        json.dumps(policy.config_schema.properties)
        for key, spec in policy.config_schema.properties.items():
            assert isinstance(spec["default"], JSON_TYPES[spec["type"]]), (policy.name, key)


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.json")), ids=lambda p: p.name)
def test_config_file_names_only_known_policies_and_declared_properties(path):
    for name, (level, properties) in load_entries(path).items():
        assert name in BY_NAME, f"{path.name}: unknown policy {name!r}"
        assert level is not None, f"{path.name}: {name}: state the enforcement level explicitly"
        schema = BY_NAME[name].config_schema
        declared = schema.properties if schema else {}
        for key, value in properties.items():
            assert key in declared, f"{path.name}: {name}.{key} is not a config property of the policy"
            assert isinstance(value, JSON_TYPES[declared[key]["type"]]), f"{path.name}: {name}.{key}"
            if declared[key]["type"] == "array":
                assert all(isinstance(item, str) for item in value), f"{path.name}: {name}.{key}"


@pytest.mark.parametrize("stack", sorted(set(ENVIRONMENTS) | set(_stack_names())))
def test_every_stack_has_a_config_file_that_states_every_policy(stack):
    path = CONFIG_DIR / f"{stack}.json"
    assert path.is_file(), f"stack {stack!r} has no policy config file {path.relative_to(REPO_ROOT)}"
    assert set(load_entries(path)) == set(BY_NAME)


def _levels(stack):
    path = CONFIG_DIR / f"{stack}.json" if stack else None
    return {name: setting.level for name, setting in settings_for(POLICIES, path).items()}


def test_remove_vanished_review_is_advisory_by_default_and_mandatory_in_prod():
    assert _levels(None)["push-remove-vanished-reviewed"] == EnforcementLevel.ADVISORY
    assert _levels("staging")["push-remove-vanished-reviewed"] == EnforcementLevel.ADVISORY
    assert _levels("prod")["push-remove-vanished-reviewed"] == EnforcementLevel.MANDATORY


@pytest.mark.parametrize("name", ["sync-job-has-schedule", "server-tls-verified"])
def test_outside_dev_rules_are_off_in_dev_and_mandatory_elsewhere(name):
    assert _levels("dev")[name] == EnforcementLevel.DISABLED
    for stack in (None, "staging", "prod"):
        assert _levels(stack)[name] == EnforcementLevel.MANDATORY


def test_target_retention_is_off_in_dev_advisory_in_staging_and_mandatory_in_prod():
    assert _levels(None)["sync-target-pruned-or-verified"] == EnforcementLevel.ADVISORY
    assert _levels("dev")["sync-target-pruned-or-verified"] == EnforcementLevel.DISABLED
    assert _levels("staging")["sync-target-pruned-or-verified"] == EnforcementLevel.ADVISORY
    assert _levels("prod")["sync-target-pruned-or-verified"] == EnforcementLevel.MANDATORY


def test_token_expiry_is_mandatory_in_prod_only():
    assert _levels("prod")["api-token-expires"] == EnforcementLevel.MANDATORY
    assert _levels("dev")["api-token-expires"] == EnforcementLevel.DISABLED
    assert _levels("staging")["api-token-expires"] == EnforcementLevel.ADVISORY


@pytest.mark.parametrize("stack", [None, *ENVIRONMENTS])
def test_dedicated_remote_and_fingerprint_rules_are_mandatory_everywhere(stack):
    levels = _levels(stack)
    assert levels["push-job-dedicated-remote"] == EnforcementLevel.MANDATORY
    assert levels["remote-fingerprint-for-self-signed-target"] == EnforcementLevel.MANDATORY
    assert levels["cloud-sync-job-rate-limited"] in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY)
