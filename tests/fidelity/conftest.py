"""One simulator for the whole fidelity suite (the vectors only add objects, never change them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pbs_sim.testing import SimHandle, start_simulator


@pytest.fixture(scope="session")
def fidelity_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    """A PBS 4.2.3 simulator with the datastore ``store1``."""
    with start_simulator(
        tmp_path_factory.mktemp("fidelity") / "pbs", datastores=["store1"], node="fid"
    ) as sim:
        yield sim
