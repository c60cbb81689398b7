"""Shared pytest fixtures: in-process PBS simulators (``pbs_sim`` and ``pbs_sim_factory``); the session
plugins."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from pbs_sim.testing import SimHandle, start_simulator

# Session plugins: how `pytest -n` spreads the suite over workers; the reliability suite's report (also
# in the xdist controller, which collects no test and so loads no folder's conftest).
pytest_plugins = ("tests.scheduling", "tests.reliability.session")

# CI replays the same generated examples every run (a red CI means a regression, not a lucky draw);
# local runs explore new examples and keep failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def pbs_sim(tmp_path: Path) -> Iterator[SimHandle]:
    """One simulator (PBS 4.2.3, datastore ``store1``) with its data in ``tmp_path/pbs``."""
    with start_simulator(tmp_path / "pbs", datastores=["store1"], node="pbs1") as sim:
        yield sim


@pytest.fixture
def pbs_sim_factory(tmp_path: Path) -> Iterator[Callable[..., SimHandle]]:
    """Make more simulators: ``pbs_sim_factory("cloud", datastores=["offsite"], pbs_version="3.3.0")``."""
    with contextlib.ExitStack() as stack:

        def make(name: str = "pbs", **kwargs: Any) -> SimHandle:
            kwargs.setdefault("node", name)
            return stack.enter_context(start_simulator(tmp_path / name, **kwargs))

        yield make
