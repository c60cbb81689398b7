"""``python -m pbs_sim --seed-content FILE``: content on start, and a clean refusal of a bad seed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

from pbs_sim.tls import FingerprintAdapter

ROOT = Path(__file__).resolve().parents[2]
BASE = [sys.executable, "-m", "pbs_sim", "--port", "0", "--root-password", "pw", "--key-bits", "0"]


def test_cli_seeds_content(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"store1": [{"group": "vm/100", "ns": "site1", "snapshots": 2}]}))
    process = subprocess.Popen(
        [
            *BASE,
            "--data-dir",
            str(tmp_path / "d"),
            "--datastore",
            "store1",
            "--token",
            "root@pam!ci=s3cret",
            "--seed-content",
            str(seed),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        with requests.Session() as session:
            session.mount("https://", FingerprintAdapter(ready["fingerprint"]))
            response = session.get(
                f"{ready['url']}/api2/json/admin/datastore/store1/snapshots",
                params={"ns": "site1"},
                headers={"Authorization": "PBSAPIToken=root@pam!ci:s3cret"},
                timeout=30,
            )
        assert [s["backup-time"] for s in response.json()["data"]] == [1714521600, 1714608000]
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_cli_refuses_a_bad_seed(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("nostore:\n  - group: vm/1\n")
    result = subprocess.run(
        [*BASE, "--data-dir", str(tmp_path / "d"), "--seed-content", str(seed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert f"pbs_sim: cannot start - {seed}: no such datastore 'nostore'" in result.stderr
