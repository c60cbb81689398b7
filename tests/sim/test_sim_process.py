"""`SimProcess` (pbs_sim/testing.py): the simulator in its own process starts whatever its random
root password looks like, and that password logs in."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from pbs_sim import testing
from pbs_sim.testing import SimProcess


def test_a_root_password_that_starts_with_a_dash_starts_and_logs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`secrets.token_urlsafe` starts with `-` once in 64 draws; argparse must not take it for an option."""
    monkeypatch.setattr(
        testing.secrets, "token_urlsafe", lambda n=None: "-dash-first-" + secrets.token_hex(4)
    )
    with SimProcess(tmp_path / "pbs") as sim:
        assert sim.root_password.startswith("-") and sim.alive()
        login = sim.new_session(auth=None).post(
            f"{sim.url}/api2/json/access/ticket",
            data={"username": "root@pam", "password": sim.root_password},
            timeout=30,
        )
        assert login.status_code == 200, login.text
        assert login.json()["data"]["username"] == "root@pam"
