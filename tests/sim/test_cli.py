"""``python -m pbs_sim``: one JSON line when ready, state in the data dir, bootstrap token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

from pbs_sim.tls import FingerprintAdapter

ROOT = Path(__file__).resolve().parents[2]


def _start(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], dict]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pbs_sim",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
            "--root-password",
            "cli-root-pw",
            "--key-bits",
            "0",
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, json.loads(line)


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    return stderr


def test_cli_prints_ready_line_and_serves(tmp_path):
    process, ready = _start(
        tmp_path / "cli",
        "--datastore",
        "store1",
        "--token",
        "root@pam!ci=ci-secret-123",
        "--node",
        "pbs-cli",
        "--pbs-version",
        "4.1.9",
    )
    try:
        assert set(ready) == {"url", "fingerprint", "node", "version"}
        assert ready["node"] == "pbs-cli" and ready["version"] == "4.1.9"
        assert ready["url"].startswith("https://127.0.0.1:")
        with requests.Session() as session:
            session.mount("https://", FingerprintAdapter(ready["fingerprint"]))
            session.headers["Authorization"] = "PBSAPIToken=root@pam!ci:ci-secret-123"
            version = session.get(f"{ready['url']}/api2/json/version", timeout=10).json()["data"]
            assert (version["version"], version["release"]) == ("4.1", "9")
            stores = session.get(f"{ready['url']}/api2/json/admin/datastore", timeout=10).json()["data"]
            assert [s["store"] for s in stores] == ["store1"]
        assert process.stdout is not None
    finally:
        stderr = _stop(process)
    assert "ci-secret-123" not in stderr and "cli-root-pw" not in stderr
    # restart on the same data dir: same certificate, the token still works
    process, again = _start(tmp_path / "cli", "--token", "root@pam!ci=ci-secret-123")
    try:
        assert again["fingerprint"] == ready["fingerprint"]
    finally:
        _stop(process)


def test_cli_rejects_bad_token_option(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pbs_sim",
            "--data-dir",
            str(tmp_path),
            "--root-password",
            "x",
            "--token",
            "nobang",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "expected 'user@realm!name=SECRET'" in result.stderr
    assert result.stdout == ""
