"""The source-derived vectors (`vectors.py`) against the provider's check and the simulator's API.

For every rule, each accepted value passes the provider's preview check and is stored by the
simulator (HTTP 200), and each refused value fails the check and is refused by the simulator
(HTTP 400) without changing its files. The comparison is with PBS's rules as its source states
them, not between the two sides.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from pbs_provider.schemas.remote import RemoteSchema
from tests.fidelity.vectors import READ_BACK, REMOTE, RULES, unique

PROVIDER_CASES = [
    pytest.param(rule, probe, value, expected, id=f"{rule.name}|{probe.input_name}|{value!r}"[:120])
    for rule in RULES
    for probe in rule.provider
    for expected, values in ((True, rule.accepted), (False, rule.refused))
    for value in values
]
SIM_CASES = [
    pytest.param(rule, label, probe, value, expected, id=f"{rule.name}|{label}|{value!r}"[:120])
    for rule in RULES
    for label, probe in rule.simulator
    for expected, values in ((True, rule.accepted), (False, rule.refused))
    for value in values
]


def _config_digests(sim: Any) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(sim.data_dir.glob("*.cfg"))
    }


@pytest.mark.parametrize(("rule", "probe", "value", "expected"), PROVIDER_CASES)
def test_provider_check_follows_pbs(rule, probe, value, expected):
    accepted, reason = probe.accepts(value)
    assert accepted is expected, f"{rule.source}: {value!r} -> {reason or 'accepted'}"


@pytest.mark.parametrize(("rule", "label", "probe", "value", "expected"), SIM_CASES)
def test_simulator_api_follows_pbs(fidelity_sim, rule, label, probe, value, expected):
    before = _config_digests(fidelity_sim)
    response = probe(fidelity_sim, value)
    status = response.status_code
    assert status == (200 if expected else 400), f"{rule.source}: {value!r} -> {status} {response.text}"
    if not expected:
        assert _config_digests(fidelity_sim) == before, "a refused request changed a config file"


def test_every_rule_has_both_sides_and_a_source():
    for rule in RULES:
        assert rule.provider and rule.simulator and rule.accepted and rule.refused, rule.name
        assert ".rs:" in rule.source, rule.name


@pytest.mark.parametrize(("sent", "read_back"), READ_BACK, ids=[repr(v) for v, _ in READ_BACK])
def test_values_read_back_as_pbs_reads_them(fidelity_sim, sent, read_back):
    name = unique("rb")
    body = {"name": name, "host": "10.0.0.1", "auth-id": "a@pbs", "password": "x", "comment": sent}
    response = fidelity_sim.api("POST", "/config/remote", json=body)
    assert response.status_code == 200, response.text
    listed = fidelity_sim.api("GET", "/config/remote").json()["data"]
    assert [r.get("comment") for r in listed if r["name"] == name] == [read_back]
    # the provider compares comments in the same read-back form, so no perpetual diff
    validation = RemoteSchema.validate_inputs({**REMOTE, "comment": sent})
    assert validation.ok and validation.values["comment"] == read_back
