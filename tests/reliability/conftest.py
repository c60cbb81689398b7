"""Marks every test in this folder `reliability` (`pytest -m reliability` selects the suite; `make
reliability` runs it alone), and runs a share of the fault matrix when `FAULT_MATRIX_SHARE` asks.

The session's summary and report are `session.py`, a plugin that tests/conftest.py loads (so that it
also runs in the controller of a `pytest -n` run)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SHARE_ENV = "FAULT_MATRIX_SHARE"
"""`k/n`: of the fault matrix's chains, only the k-th, (k+n)-th, ... run, and the control chain (every
chain's retries are counted against it). `make test` runs its k-th shuffled seed of n with `k/n`, so
that every chain runs under one of the shuffled schedules (docs/testing.md)."""


def fault_matrix_share(value: str, chains: list[pytest.Item]) -> list[pytest.Item]:
    """The chains outside the share `k/n` (the control chain `no-fault` is never left out)."""
    match = re.fullmatch(r"(\d+)/(\d+)", value.strip())
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise pytest.UsageError(f"{SHARE_ENV}={value!r}: expected k/n with 1 <= k <= n, e.g. {SHARE_ENV}=2/3")
    k, n = int(match[1]), int(match[2])
    faulted = [item for item in chains if not item.name.endswith("[no-fault]")]
    return [item for index, item in enumerate(faulted) if index % n != k - 1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.reliability)
    share = os.environ.get(SHARE_ENV)
    if share:
        chains = [item for item in items if getattr(item, "originalname", "") == "test_fault_chain"]
        left_out = fault_matrix_share(share, chains)
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if item not in left_out]
