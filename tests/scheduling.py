"""How the suite is spread over pytest-xdist workers (`make test` runs `pytest -n 3`).

* One test module is one unit of work, sent whole to one worker: the module-scoped simulators and
  plugin processes (tests/providers, tests/target, ...) start once per module, as in a serial run.
* A folder in `SHARED_STATE` is one unit: its files share the session's state (tests/reliability
  collects one report across its files, and its last file checks the fault matrix this session ran).
* Units in `LONG_FIRST` start first, the others follow in collection order, so that the workers finish
  at about the same time instead of one starting the longest unit when the others are done.

Without `-n` (a plain `pytest`, `make reliability`) none of this is used.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

SHARED_STATE = ("tests/reliability/",)
LONG_FIRST = (
    "tests/reliability/",
    "tests/program/test_shuffled.py",
    "tests/lifecycle/test_removal.py",
    "tests/demo/test_demo.py",
)


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its folder in `SHARED_STATE`, else its module."""
    module = nodeid.split("::", 1)[0]
    return next((folder for folder in SHARED_STATE if module.startswith(folder)), module)


def rank(nodeid: str) -> int:
    unit = unit_of(nodeid)
    return next((i for i, first in enumerate(LONG_FIRST) if unit.startswith(first)), len(LONG_FIRST))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    config.option.loadscopereorder = False  # the units go in collection order, set by the workers below
    return UnitScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On an xdist worker, the `LONG_FIRST` units first (a stable sort: each unit keeps its order)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: rank(item.nodeid))
