"""Policy settings: each rule's config schema with defaults, and the values in force for a run.

Values come from the per-stack policy config file (`policy/config/<stack>.json`, passed with
`--policy-pack-config`); anything not set there takes the schema default, exactly as the Pulumi
CLI fills in defaults before it configures the pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pulumi_policy import PolicyConfigSchema


class HasConfig(Protocol):
    """`ResourceValidationArgs` and `StackValidationArgs` both carry the policy's config."""

    def get_config(self) -> Mapping[str, Any]: ...


def string_list(description: str, default: list[str] | None = None) -> dict[str, Any]:
    """JSON schema of a list of strings with a default (empty unless given)."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": list(default or []),
        "description": description,
    }


def settings_in_force(args: HasConfig, schema: PolicyConfigSchema) -> dict[str, Any]:
    """The schema defaults overlaid with the configured values."""
    values = {key: spec.get("default") for key, spec in schema.properties.items()}
    values.update(args.get_config() or {})
    return values
