"""Version gating against a PBS 3.3.0 simulator: a field newer than the server fails `check`
with the versions in the message (one cached `GET /version` per server per plugin process),
while a config that 3.3.0 understands is created as usual."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from offline_engine.provider_host import DynamicProviderHost, ProviderRpcError
from pbs_sim.testing import start_simulator

from .driver import Stack, engine_inputs, start_plugin

JOB = {"server": "old", "jobId": "old-job", "store": "store1", "remote": "cloud", "remoteStore": "offsite"}


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_simulator(tmp_path_factory.mktemp("old"), datastores=["store1"], pbs_version="3.3.0") as sim:
        yield sim


@pytest.fixture(scope="module")
def old_plugin(old: Any) -> Iterator[DynamicProviderHost]:
    host = start_plugin(old=old)
    yield host
    host.stop()


@pytest.fixture
def old_stack(old_plugin: DynamicProviderHost) -> Iterator[Stack]:
    state = Stack(old_plugin)
    yield state
    for name in list(state.resources):
        state.destroy(name)


@pytest.mark.parametrize(
    "field,value,since",
    [
        ("workerThreads", 4, "4.1.8"),
        ("encryptedOnly", True, "3.3.7"),
        ("verifiedOnly", False, "3.3.7"),
        ("runOnMount", True, "4.0.4"),
        ("associatedKey", ["key-1"], "4.1.9"),
    ],
)
def test_newer_field_fails_check_naming_both_versions(old_stack, field, value, since):
    failures = old_stack.check("sync", "j", {**JOB, field: value})
    assert failures == [(field, f"`{field}` needs PBS ≥ {since}; server `old` runs 3.3.0")]


def test_newer_remote_field_fails_check(old_stack):
    remote = {"server": "old", "name": "cloud", "host": "h.example", "authId": "a@pbs", "password": "pw"}
    assert old_stack.check("remote", "r", remote) == []
    assert old_stack.check("remote", "r", {**remote, "useNodeProxy": False}) == [
        ("useNodeProxy", "`useNodeProxy` needs PBS ≥ 4.1.6; server `old` runs 3.3.0")
    ]


def test_version_is_read_once_and_older_fields_work(old_stack, old):
    old.clear_request_log()
    fields = {
        **JOB,
        "syncDirection": "push",
        "ns": "a",
        "transferLast": 2,
        "groupFilter": ["exclude:type:ct"],
    }
    for _ in range(3):
        assert old_stack.check("sync", "j", fields) == []
    assert [e["path"] for e in old.request_log()].count("/api2/json/version") <= 1  # cached per process
    assert old_stack.up("sync", "j", fields) == "create"
    assert old.api("GET", "/config/sync/old-job").json()["data"]["sync-direction"] == "push"


def test_create_without_a_check_is_gated_too(old_stack, old):
    urn = old_stack.urn("sync", "unchecked")
    with pytest.raises(ProviderRpcError) as failure:
        old_stack.host.create(urn, engine_inputs("sync", {**JOB, "jobId": "unchecked", "workerThreads": 2}))
    assert "`workerThreads` needs PBS ≥ 4.1.8; server `old` runs 3.3.0" in failure.value.details
    assert old.api("GET", "/config/sync/unchecked").status_code == 400  # nothing was created
