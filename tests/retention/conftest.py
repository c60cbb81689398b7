"""Fixtures for the prune/verify job tests: one simulator ("cloud"), the configured plugin and the
engine-like driver (tier 1; its kinds `prune` and `verify`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from offline_engine.provider_host import DynamicProviderHost
from pbs_sim.testing import start_simulator
from tests.providers import driver


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_simulator(tmp_path_factory.mktemp("cloud"), datastores=["offsite"], node="cloud") as sim:
        yield sim


@pytest.fixture(scope="module")
def old_pbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with start_simulator(tmp_path_factory.mktemp("old"), datastores=["offsite"], pbs_version="2.1.5") as sim:
        yield sim


@pytest.fixture(scope="module")
def plugin(cloud: Any, old_pbs: Any) -> Iterator[DynamicProviderHost]:
    host = driver.start_plugin(cloud=cloud, old=old_pbs)
    yield host
    host.stop()


@pytest.fixture
def stack(plugin: DynamicProviderHost) -> Iterator[driver.Stack]:
    state = driver.Stack(plugin)
    yield state
    for name in reversed(list(state.resources)):
        state.destroy(name)
