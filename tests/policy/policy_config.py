"""Reads a policy config file (`policy/config/<stack>.json`) the way the Pulumi CLI does.

The CLI takes each entry as an enforcement level string or an object holding `enforcementLevel`
plus config properties, fills schema defaults in, and applies `all` before per-policy entries
(pulumi/pulumi pkg/resource/analyzer/config.go). These helpers do the same so the tests can check
the files and run the rules at the levels a stack really gets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, Policy

from .conftest import POLICY_DIR

CONFIG_DIR = POLICY_DIR / "config"


@dataclass(frozen=True)
class PolicySetting:
    """What one policy gets for a stack: its enforcement level and config properties."""

    level: EnforcementLevel
    properties: dict[str, Any]


def load_entries(path: Path) -> dict[str, tuple[EnforcementLevel | None, dict[str, Any]]]:
    """The file's entries: policy name (or `all`) -> (level or None, properties)."""
    entries: dict[str, tuple[EnforcementLevel | None, dict[str, Any]]] = {}
    for name, value in json.loads(path.read_text()).items():
        if isinstance(value, str):
            entries[name] = (EnforcementLevel(value), {})
        elif isinstance(value, dict):
            properties = dict(value)
            level = properties.pop("enforcementLevel", None)
            entries[name] = (EnforcementLevel(level) if level is not None else None, properties)
        else:
            raise ValueError(f"{path.name}: {name}: must be a string or an object")
    return entries


def settings_for(policies: list[Policy], path: Path | None) -> dict[str, PolicySetting]:
    """Each policy's level and properties for a stack using the config file `path` (None: no file)."""
    entries = load_entries(path) if path is not None else {}
    all_level = entries.get("all", (None, {}))[0]
    result: dict[str, PolicySetting] = {}
    for policy in policies:
        defaults = {
            key: spec["default"]
            for key, spec in (policy.config_schema.properties if policy.config_schema else {}).items()
            if "default" in spec
        }
        level, properties = entries.get(policy.name, (None, {}))
        result[policy.name] = PolicySetting(
            level=level or all_level or policy.enforcement_level or EnforcementLevel.ADVISORY,
            properties={**defaults, **properties},
        )
    return result
