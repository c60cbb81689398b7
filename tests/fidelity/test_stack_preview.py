"""The stack config refuses at preview what PBS refuses at apply, for namespaces a stack creates
directly (`namespaces`) and those a push replication creates on its target (`createNamespaces`).

PBS creates a namespace one level at a time, and the create call's `name` is a SAFE_ID of 1-32
characters (src/api2/admin/namespace.rs:26-31 in proxmox-backup); the namespace path only limits
its depth and total length, so a 33-character component passes the path rule but fails at apply.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pbs_provider.stack_config import StackConfigError, load_stack_config

FP = ":".join(["ab"] * 32)
SERVERS = {
    "onprem": {"url": "https://10.0.0.5:8007", "authId": "root@pam!pulumi", "fingerprint": FP},
    "cloud": {"url": "https://pbs.cloud.example:18007", "authId": "root@pam!pulumi", "fingerprint": FP},
}
PUSH = {
    "direction": "push",
    "source": {"server": "onprem", "store": "store1"},
    "target": {"server": "cloud", "store": "offsite", "ns": "site1"},
    "schedule": "hourly",
    "createNamespaces": True,
}
LONG = "x" * 33


def _problems(**config: Any) -> list[str]:
    values = {"servers": SERVERS, "serverSecrets": {"onprem": "s1", "cloud": "s2"}, **config}
    try:
        load_stack_config(
            get=lambda key: json.dumps(values[key]) if key in values else None,
            is_secret=lambda key: key == "serverSecrets",
            all_keys=[f"pbs-replication:{k}" for k in values],
            environ={},
        )
    except StackConfigError as error:
        return error.problems
    return []


@pytest.mark.parametrize("ns", ["a/" + "y" * 32, "y" * 32])
def test_components_of_32_characters_load(ns):
    assert _problems(namespaces=[{"server": "cloud", "store": "offsite", "ns": ns}]) == []
    assert _problems(replications={"rep": {**PUSH, "target": {**PUSH["target"], "ns": ns}}}) == []


@pytest.mark.parametrize("ns", [LONG, "a/" + LONG])
def test_a_longer_component_fails_at_preview_naming_the_key(ns):
    [problem] = _problems(namespaces=[{"server": "cloud", "store": "offsite", "ns": ns}])
    assert problem.startswith(f"namespaces.0.ns: namespace component '{LONG}': value may only be 32")
    [problem] = _problems(replications={"rep": {**PUSH, "target": {**PUSH["target"], "ns": ns}}})
    assert problem.startswith("replications.rep: its namespace `ns`: namespace component") and LONG in problem
