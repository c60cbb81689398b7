"""Two simulators that really sync: ``onprem`` (datastore ``store1``) and ``cloud`` (``offsite``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pbs_sim.testing import SimHandle, start_simulator


@pytest.fixture
def onprem(tmp_path: Path) -> Iterator[SimHandle]:
    with start_simulator(tmp_path / "onprem", datastores=["store1"], node="onprem", sync_runner="pbs") as sim:
        yield sim


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[SimHandle]:
    with start_simulator(tmp_path / "cloud", datastores=["offsite"], node="cloud", sync_runner="pbs") as sim:
        yield sim
