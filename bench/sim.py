"""The simulator the bench measures against: `python -m pbs_sim` in its own process.

The bench runs the simulator as a separate process (like a real PBS), so that neither the raw
`requests` baseline nor the bench's own bookkeeping shares a GIL with the server. `ExternalSim`
has the attributes `tests.program.stacks.StackRun` and the tier-1 helpers need (`url`,
`fingerprint`, `admin_token_id`, `admin_token_secret`) and reads the request log through the
simulator's side channel (`/api2/json/_sim/requests`), exactly like `pbs_sim.testing.SimHandle`.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from pbs_sim.testing import ADMIN_TOKEN_ID, SimClient

PROJECT = Path(__file__).resolve().parents[1]
WRITES = frozenset({"POST", "PUT", "DELETE"})
START_TIMEOUT = 60.0


class ExternalSim(SimClient):
    """One `python -m pbs_sim` process on 127.0.0.1 (free port), stopped by `close()`."""

    def __init__(self, name: str = "pbs", datastores: tuple[str, ...] = ("ds1", "ds2")) -> None:
        self.name = name
        self._tmp = tempfile.TemporaryDirectory(prefix=f"bench-{name}-")
        self.data_dir = Path(self._tmp.name)
        self.root_password = secrets.token_urlsafe(12)
        self.admin_token_id = ADMIN_TOKEN_ID
        self.admin_token_secret = secrets.token_hex(16)
        self.datastores = datastores
        self._session: requests.Session | None = None
        argv = [
            sys.executable,
            "-m",
            "pbs_sim",
            "--data-dir",
            str(self.data_dir),
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            f"--root-password={self.root_password}",  # one word: a password may start with '-'
            f"--token={self.admin_token_id}={self.admin_token_secret}",
            "--node",
            name,
            "--key-bits",
            "2048",
            "--log-level",
            "WARNING",
        ]
        for store in datastores:
            argv += ["--datastore", store]
        self.proc = subprocess.Popen(
            argv,
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready = self._ready_line()
        self.url: str = ready["url"]
        self.fingerprint: str = ready["fingerprint"]
        self.version: str = ready["version"]

    def _ready_line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if not line or not line[0].strip():
            self.close()
            raise RuntimeError(f"simulator {self.name} did not start (no ready line)")
        return json.loads(line[0])

    def take_log(self) -> list[dict[str, Any]]:
        """The request log since the last clear, then cleared."""
        log = self.request_log()
        self.clear_request_log()
        return log

    def sync_job_ids(self) -> list[str]:
        data = self.api("GET", "/config/sync", params={"sync-direction": "all"}).json()["data"]
        return [job["id"] for job in data]

    def delete_all_sync_jobs(self) -> None:
        """Leave `sync.cfg` empty (between measurements), then clear the log."""
        for job_id in self.sync_job_ids():
            self.api("DELETE", f"/config/sync/{job_id}").raise_for_status()
        self.clear_request_log()

    # ---- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._tmp.cleanup()

    def __enter__(self) -> ExternalSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def summarize_log(log: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of a request log: total, writes, GETs, `GET /version`, logins, and per method+path kind."""
    kinds: Counter[str] = Counter()
    for entry in log:
        kinds[f"{entry['method']} {path_kind(entry['path'])}"] += 1
    return {
        "total": len(log),
        "writes": sum(1 for e in log if e["method"] in WRITES and not is_login(e)),
        "gets": sum(1 for e in log if e["method"] == "GET"),
        "version_gets": sum(1 for e in log if e["method"] == "GET" and e["path"].endswith("/version")),
        "logins": sum(1 for e in log if is_login(e)),
        "by_kind": dict(sorted(kinds.items())),
    }


def is_login(entry: dict[str, Any]) -> bool:
    return entry["method"] == "POST" and entry["path"].endswith("/access/ticket")


def path_kind(path: str) -> str:
    """`/api2/json/config/sync/job-7` → `/config/sync/{id}` (object names folded)."""
    path = path.removeprefix("/api2/json")
    for collection in ("/config/sync/", "/config/remote/"):
        if path.startswith(collection) and len(path) > len(collection):
            return collection + "{id}"
    return path
