"""Fixtures for the provider tests: simulators, the configured plugin, an engine-like driver.

Simulators and the plugin are module-scoped (starting them per test would dominate the run
time); tests use their own object names and clear the simulator's request log where they
count requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from offline_engine.provider_host import DynamicProviderHost
from pbs_sim.testing import start_simulator

from .driver import Stack, start_plugin

DATASTORES = ["store1", "store2", "offsite"]


@pytest.fixture(scope="module")
def onprem(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_simulator(tmp_path_factory.mktemp("onprem"), datastores=DATASTORES, node="onprem") as sim:
        yield sim


@pytest.fixture(scope="module")
def plugin(onprem: Any) -> Iterator[DynamicProviderHost]:
    host = start_plugin(onprem=onprem, mirror=onprem)  # `mirror`: a second server name
    yield host
    host.stop()


@pytest.fixture
def stack(plugin: DynamicProviderHost) -> Iterator[Stack]:
    """A fresh in-memory state; whatever a test leaves behind is destroyed afterwards."""
    state = Stack(plugin)
    yield state
    for name in reversed(list(state.resources)):
        state.destroy(name)
