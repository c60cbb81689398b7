"""Fixtures for the target-side tests: two simulators ("onprem" and "cloud"), the configured
plugin and an engine-like driver (tier 1). Simulators and the plugin are module-scoped; tests use
their own object names and clear the request log where they count requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from offline_engine.provider_host import DynamicProviderHost
from pbs_sim.testing import start_simulator

from .driver import Stack, start_plugin


@pytest.fixture(scope="module")
def onprem(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_simulator(tmp_path_factory.mktemp("onprem"), datastores=["store1"], node="onprem") as sim:
        yield sim


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_simulator(tmp_path_factory.mktemp("cloud"), datastores=["offsite"], node="cloud") as sim:
        yield sim


@pytest.fixture(scope="module")
def plugin(onprem: Any, cloud: Any) -> Iterator[DynamicProviderHost]:
    host = start_plugin(onprem=onprem, cloud=cloud)
    yield host
    host.stop()


@pytest.fixture
def stack(plugin: DynamicProviderHost) -> Iterator[Stack]:
    """A fresh in-memory state; whatever a test leaves behind is destroyed afterwards."""
    state = Stack(plugin)
    yield state
    for name in reversed(list(state.resources)):
        state.destroy(name)
