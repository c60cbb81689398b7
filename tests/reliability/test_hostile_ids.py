"""Hostile ids: values with `/`, `..`, `%2F`, control characters or thousands of characters never
reach a URL path.

Three ways in, all through the real plugin over gRPC against a simulator:

* as inputs: every input that becomes (part of) a PBS path fails `check` with zero requests;
* as stored state (an old or tampered state file): `Read`, `Update` and `Delete` get outputs whose
  id fields are hostile — they must fail (clearly) without sending a request for that path;
* in the stack config: a hostile entry key fails the config check before anything is registered.

The simulator's request log is the witness: no request path may contain a hostile value, encoded
or not.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from offline_engine.provider_host import DynamicProviderHost, ProviderRpcError
from pbs_provider.client.paths import UnsafePathError, api_path, check_path
from pbs_provider.stack_config import StackConfigError, load_stack_config
from pbs_sim.testing import SimHandle, start_simulator
from tests.providers.driver import start_plugin

from .report import REPORT
from .test_bad_input import BASES, SERVER, check, provider_blob

HOSTILE = [
    "a/b", "..", "../etc", "x/../y", "./x", "%2F", "a%2Fb", "%2e%2e", "x?y=1", "x#frag", "x\x00y", "x\ny",
    "x\ry", "\x1b[31mred", "x\ty", " x", "x ", "x" * 4096, "a/" * 100, "\u202ex", "x;rm -rf",
]  # fmt: skip
PATH_INPUTS = {
    "Remote": ["name"],
    "SyncJob": ["jobId", "remote"],
    "User": ["userid"],
    "ApiToken": ["userid", "tokenName"],
    "AclEntry": ["path", "authId"],
    "Namespace": ["store", "ns"],
}
OUTPUT_ID = {
    "Remote": "name",
    "SyncJob": "jobId",
    "User": "userid",
    "ApiToken": "tokenName",
    "Namespace": "store",
}
"""The stored field that becomes a path segment, per kind (an ACL entry is addressed by query and body)."""


@pytest.fixture(scope="module")
def onprem(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    with start_simulator(tmp_path_factory.mktemp("hostile"), datastores=["store1", "offsite"]) as sim:
        yield sim


@pytest.fixture(scope="module")
def plugin(onprem: SimHandle) -> Iterator[DynamicProviderHost]:
    host = start_plugin(**{SERVER: onprem})
    yield host
    host.stop()


STRUCTURAL = re.compile(r"(^|/)\.\.?(/|$)|//|%2[fF]|%2[eE]|%0|%1[0-9a-fA-F]|%7[fF]|[\x00-\x20\x7f]")
"""What would change which object a path names: dot segments, empty segments, encoded separators
or dots, control characters and whitespace."""


def reached(log: list[dict[str, Any]]) -> list[str]:
    """Request paths whose structure a hostile value changed."""
    return [e["path"][:120] for e in log if STRUCTURAL.search(e["path"])]


def carried(log: list[dict[str, Any]]) -> list[str]:
    """Request paths that carry a hostile value as one percent-encoded segment (structure intact)."""
    found = []
    for entry in log:
        decoded = urllib.parse.unquote(entry["path"])
        if any(h in decoded for h in HOSTILE if len(h) > 2 and h.strip() == h):
            found.append(entry["path"][:60] + ("…" if len(entry["path"]) > 60 else ""))
    return found


def test_hostile_inputs_fail_check_without_a_request(plugin: DynamicProviderHost, onprem: SimHandle) -> None:
    onprem.clear_request_log()
    accepted = []
    count = 0
    for kind, fields in PATH_INPUTS.items():
        for field in fields:
            for value in HOSTILE:
                if (kind, field, value) == ("Namespace", "ns", "a/b"):
                    continue  # a nested namespace: a valid value there
                count += 1
                failures = check(plugin, kind, {**BASES[kind], field: value})
                if not any(prop == field for prop, _ in failures):
                    accepted.append(f"{kind}.{field}={value[:20]!r}")
    log = onprem.request_log()
    REPORT.hostile_values += count
    REPORT.hostile_reached_path += len(accepted) + len(reached(log))
    assert accepted == []
    assert log == []


def stored_outputs(kind: str, field: str, value: str) -> dict[str, Any]:
    outputs = {**BASES[kind], field: value}
    outputs["__provider"] = provider_blob(kind)
    return outputs


@pytest.fixture(scope="module")
def from_state(plugin: DynamicProviderHost, onprem: SimHandle) -> dict[str, tuple[list[str], list[str]]]:
    """Read, Update and Delete with hostile ids in the stored outputs: per verb, the requests that
    reached the simulator and the refusals that were not the provider's own message."""
    results = {}
    for verb in ("read", "update", "delete"):
        onprem.clear_request_log()
        unclear = []
        count = 0
        for kind, field in OUTPUT_ID.items():
            urn = plugin.urn(f"pulumi-python:dynamic/pbs:{kind}", "hostile")
            for value in HOSTILE:
                count += 1
                olds = stored_outputs(kind, field, value)
                try:
                    if verb == "read":
                        if plugin.read(urn, value, olds, olds)[0]:
                            unclear.append(f"{kind}.{field}={value[:20]!r}: read found an object")
                    elif verb == "update":
                        plugin.update(urn, value, olds, {**olds, "comment": "x"}, olds)
                        unclear.append(f"{kind}.{field}={value[:20]!r}: update succeeded")
                    else:
                        plugin.delete(urn, value, olds, olds)
                except ProviderRpcError as error:
                    last = error.details.strip().splitlines()[-1]
                    if not last.startswith("pbs_provider.resources.machine.ProviderError: "):
                        unclear.append(f"{verb} {kind}.{field}={value[:20]!r}: {last[:140]}")
        log = onprem.request_log()
        hits, encoded = reached(log), carried(log)
        REPORT.hostile_values += count
        REPORT.hostile_reached_path += len(hits)
        if encoded:
            REPORT.notes.append(
                f"hostile ids in stored state, {verb}: {len(encoded)} request(s) carried one as a single "
                f"percent-encoded path segment, checked for structure only, not against the id grammar "
                f"(e.g. {encoded[0]})"
            )
        if unclear:
            REPORT.notes.append(
                f"hostile ids in stored state, {verb}: {len(unclear)}/{count} refused by the path guard "
                f"with a traceback instead of the provider's message (e.g. {unclear[0]})"
            )
        results[verb] = (hits, unclear)
    return results


def test_hostile_ids_in_state_never_reach_a_path(from_state: dict[str, tuple[list[str], list[str]]]) -> None:
    hits = [hit for found, _ in from_state.values() for hit in found]
    assert hits == [], hits[:5]


def test_hostile_ids_in_state_fail_with_the_providers_message(
    from_state: dict[str, tuple[list[str], list[str]]],
) -> None:
    unclear = [line for _, found in from_state.values() for line in found]
    assert unclear == [], f"{len(unclear)} refusals without the provider's message:\n" + "\n".join(
        unclear[:10]
    )


def test_the_client_refuses_hostile_path_segments() -> None:
    refused = 0
    for value in HOSTILE:
        try:
            check_path(api_path("config", "remote", value))
        except UnsafePathError:
            refused += 1
    for raw in ("/config/remote/../sync", "/config/remote/a%2Fb", "/config/remote/%2e%2e", "/config/x\x00"):
        with pytest.raises(UnsafePathError):
            check_path(raw)
    # values that are safe once encoded (e.g. "x?y=1") may pass, but only as one encoded segment
    for value in HOSTILE:
        try:
            path = check_path(api_path("config", "remote", value))
        except UnsafePathError:
            continue
        assert path.count("/") == 3 and "?" not in path and "#" not in path, path
    assert refused >= len(HOSTILE) - 4


def test_hostile_entry_keys_are_config_errors() -> None:
    servers = {SERVER: {"url": "https://pbs1.example:8007", "authId": "root@pam!pulumi"}}
    refused = 0
    for value in HOSTILE:
        jobs = {value: {"server": SERVER, "store": "store1", "remoteStore": "offsite"}}
        values = {"servers": servers, "serverSecrets": {SERVER: "s"}, "syncJobs": jobs}
        with pytest.raises(StackConfigError) as error:
            load_stack_config(
                get=lambda key, v=values: json.dumps(v[key]) if key in v else None,
                is_secret=lambda key: key == "serverSecrets",
                all_keys=[f"pbs-replication:{k}" for k in values],
                environ={},
            )
        assert any(".jobId:" in p for p in error.value.problems), error.value.problems
        refused += 1
    REPORT.hostile_values += len(HOSTILE)
    REPORT.hostile_reached_path += len(HOSTILE) - refused
