"""Test API: start simulators in-process and talk to them (see docs/architecture.md, "Contract").

``start_simulator(data_dir, ...)`` is a context manager yielding a :class:`SimHandle` with the URL,
certificate fingerprint, bootstrap credentials, a pinned ``requests`` session and the side-channel
helpers (request log, faults, clock, digest race, job lock, restart), plus backup content (seed,
dump, snapshot names) and task helpers (wait for a task, read its log).

Sync runs: ``start_simulator(..., sync_runner="pbs")`` makes ``POST /admin/sync/{id}/run`` really pull
or push (over HTTPS to the remote's host/port). The default here is ``"null"`` (runs log like PBS and
move nothing, the behaviour the older tests were written against); the CLI defaults to ``"pbs"``.

``SimProcess`` runs ``python -m pbs_sim`` in its own process instead, for tests that SIGKILL the
server and start it again on the same port and data dir.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from pbs_sim.server import DEFAULT_VERSION, Simulator, SimulatorConfig
from pbs_sim.tls import FingerprintAdapter

ADMIN_TOKEN_ID = "root@pam!admin"
_STAMP = re.compile(r"^\S+: ")
# PBS uses RSA 4096; tests start many simulators, so they get an EC P-256 key (generated in
# microseconds instead of up to seconds). Pass key_bits=4096 for a PBS-like certificate.
TEST_KEY_BITS = 0


class SimClient:
    """Talking to a running simulator over HTTPS, pinned to its certificate, as its admin token; shared
    by the in-process `SimHandle` and other harnesses (the bench's simulator process). Subclasses
    provide `url`, `fingerprint`, `admin_token_id`, `admin_token_secret` and `_session`."""

    url: str
    fingerprint: str
    admin_token_id: str
    admin_token_secret: str
    _session: requests.Session | None

    # --- HTTP ----------------------------------------------------------------------------------------
    def new_session(self, auth: str | None = "admin") -> requests.Session:
        """A fresh TLS-pinned session; ``auth="admin"`` adds the admin token header, None adds nothing."""
        session = requests.Session()
        session.trust_env = False  # no proxy or netrc from the environment for loopback test traffic
        session.mount("https://", FingerprintAdapter(self.fingerprint))
        if auth == "admin":
            session.headers["Authorization"] = f"PBSAPIToken={self.admin_token_id}:{self.admin_token_secret}"
        return session

    def session(self) -> requests.Session:
        if self._session is None:
            self._session = self.new_session()
        return self._session

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return self.session().request(method, f"{self.url}/api2/json{path}", **kwargs)

    def _side(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.api(method, f"/_sim{path}", **kwargs)
        if response.status_code != 200:
            raise RuntimeError(f"side channel {method} {path}: {response.status_code} {response.text}")
        return response.json()["data"]

    # --- the request log (side channel) -----------------------------------------------------------
    def request_log(self) -> list[dict[str, Any]]:
        return self._side("GET", "/requests")

    def clear_request_log(self) -> None:
        self._side("DELETE", "/requests")


class SimHandle(SimClient):
    """A running simulator as seen by a test."""

    def __init__(self, simulator: Simulator, admin_token_secret: str) -> None:
        self._sim = simulator
        self.admin_token_id = ADMIN_TOKEN_ID
        self.admin_token_secret = admin_token_secret
        self._session: requests.Session | None = None

    # --- identity ----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._sim.url

    @property
    def host(self) -> str:
        return self._sim.config.host

    @property
    def port(self) -> int:
        return self._sim.port

    @property
    def fingerprint(self) -> str:
        return self._sim.fingerprint

    @property
    def node(self) -> str:
        return self._sim.config.node

    @property
    def version(self) -> str:
        return self._sim.config.pbs_version

    @property
    def data_dir(self) -> Path:
        return self._sim.config.data_dir

    @property
    def root_password(self) -> str:
        return self._sim.config.root_password

    @property
    def simulator(self) -> Simulator:
        """The in-process server (for tests of the simulator itself)."""
        return self._sim

    # --- side channel --------------------------------------------------------------------------------
    def inject_fault(
        self,
        method: str | None = None,
        path: str = "*",
        count: int = 1,
        status: int | None = None,
        body: str | None = None,
        delay: float = 0.0,
        drop: str | None = None,
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {"path": path, "count": count}
        if method is not None:
            spec["method"] = method
        if status is not None:
            spec["status"] = status
        if body is not None:
            spec["body"] = body
        if delay:
            spec["delay"] = delay
        if drop is not None:
            spec["drop"] = drop
        return self._side("POST", "/faults", json=spec)

    def clear_faults(self) -> None:
        self._side("DELETE", "/faults")

    def advance_clock(self, seconds: float) -> int:
        return self._side("POST", "/clock", json={"advance": seconds})["now"]

    def now(self) -> int:
        return self._side("GET", "/clock")["now"]

    def force_digest_race(self, file: str) -> None:
        self._side("POST", "/digest-race", json={"file": file})

    def hold_job_lock(self, job_id: str) -> bool:
        """Make sync job ``job_id`` look busy (its lock held elsewhere)."""
        return self._side("POST", "/job-lock", json={"id": job_id, "hold": True})["changed"]

    def release_job_lock(self, job_id: str) -> bool:
        return self._side("POST", "/job-lock", json={"id": job_id, "hold": False})["changed"]

    @contextlib.contextmanager
    def job_lock_held(self, job_id: str) -> Iterator[None]:
        self.hold_job_lock(job_id)
        try:
            yield
        finally:
            self.release_job_lock(job_id)

    # --- backup content ------------------------------------------------------------------------------
    def seed_content(self, spec: dict[str, Any] | str) -> int:
        """Add groups/snapshots (see ``pbs_sim.models.seed``); returns the number of snapshots written."""
        text = spec if isinstance(spec, str) else json.dumps(spec)
        return self._side("POST", "/content", json={"spec": text})["snapshots"]

    def content(self, store: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """Everything stored, in seed shape: ``{store: [{ns, group, owner, snapshots: [...]}]}``."""
        return self._side("GET", "/content", params={"store": store} if store else None)

    def snapshot_names(self, store: str, ns: str = "") -> list[str]:
        """``["vm/100/2024-05-01T00:00:00Z", ...]`` of one namespace (groups in PBS order)."""
        return [
            f"{entry['group']}/{snap['time']}"
            for entry in self.content(store)[store]
            if entry["ns"] == ns
            for snap in entry["snapshots"]
        ]

    # --- tasks ---------------------------------------------------------------------------------------
    def task_status(self, upid: str) -> dict[str, Any]:
        response = self.api("GET", f"/nodes/localhost/tasks/{quote(upid, safe='')}/status")
        response.raise_for_status()
        return response.json()["data"]

    def wait_task(self, upid: str, timeout: float = 30.0) -> dict[str, Any]:
        """Poll the task's status (as a PBS client does) until it is stopped; returns the status."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.task_status(upid)
            if status["status"] == "stopped":
                return status
            if time.monotonic() > deadline:
                raise TimeoutError(f"task {upid} still running after {timeout} s")
            time.sleep(0.02)

    def task_log(self, upid: str, timestamps: bool = False) -> list[str]:
        """The task's log lines (without the leading timestamp unless asked)."""
        path = f"/nodes/localhost/tasks/{quote(upid, safe='')}/log"
        response = self.api("GET", path, params={"limit": 0})
        response.raise_for_status()
        lines = [entry["t"] for entry in response.json()["data"]]
        return lines if timestamps else [_STAMP.sub("", line, count=1) for line in lines]

    def run_sync_job(self, job_id: str, timeout: float = 30.0) -> tuple[str, dict[str, Any]]:
        """``POST /admin/sync/{id}/run`` and wait: (upid, final task status)."""
        response = self.api("POST", f"/admin/sync/{job_id}/run")
        if response.status_code != 200:
            raise RuntimeError(f"run {job_id}: {response.status_code} {response.text}")
        upid = response.json()["data"]
        return upid, self.wait_task(upid, timeout)

    def restart(self) -> None:
        if self._session is not None:
            self._session.close()
        self._sim.restart()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        self._sim.stop()


@contextlib.contextmanager
def start_simulator(
    data_dir: Path | str | None = None,
    datastores: Sequence[str] = ("store1",),
    node: str = "localhost",
    pbs_version: str = DEFAULT_VERSION,
    root_password: str | None = None,
    admin_token_secret: str | None = None,
    tokens: Sequence[tuple[str, str]] = (),
    key_bits: int = TEST_KEY_BITS,
    job_lock_timeout: float = 10.0,
    host: str = "127.0.0.1",
    port: int = 0,
    unauth_delay: float = 0.0,
    sync_runner: str = "null",
    trusted_ca: str | None = None,
    seed_content: Path | str | None = None,
) -> Iterator[SimHandle]:
    """Run a simulator on ``host:port`` (0 = free port) with its state in ``data_dir``."""
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="pbs_sim-"))
        secret = admin_token_secret or str(uuid.uuid4())
        config = SimulatorConfig(
            data_dir=Path(data_dir),
            root_password=root_password or secrets.token_urlsafe(12),
            host=host,
            port=port,
            node=node,
            pbs_version=pbs_version,
            datastores=tuple(datastores),
            tokens=((ADMIN_TOKEN_ID, secret), *tokens),
            key_bits=key_bits,
            job_lock_timeout=job_lock_timeout,
            unauth_delay=unauth_delay,
            sync_runner=sync_runner,
            trusted_ca=trusted_ca,
            seed_content=Path(seed_content) if seed_content is not None else None,
        )
        simulator = Simulator(config)
        simulator.start()
        handle = SimHandle(simulator, secret)
        try:
            yield handle
        finally:
            handle.close()


class SimProcess(SimClient):
    """``python -m pbs_sim`` in its own process, which a test can SIGKILL (`kill`) and start again
    on the same port and data dir (`start`), as a crashed PBS host comes back. Use as a context
    manager; the side channel works as on `SimHandle` (request log, `inject_fault`, clock)."""

    START_TIMEOUT = 60.0

    def __init__(
        self,
        data_dir: Path | str,
        datastores: Sequence[str] = ("store1",),
        node: str = "localhost",
        tokens: Sequence[tuple[str, str]] = (),
        job_lock_timeout: float = 10.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.node = node
        self.root_password = secrets.token_urlsafe(12)
        self.admin_token_id = ADMIN_TOKEN_ID
        self.admin_token_secret = str(uuid.uuid4())
        self._argv = [
            sys.executable, "-m", "pbs_sim", "--data-dir", str(self.data_dir), "--bind", "127.0.0.1",
            f"--root-password={self.root_password}", "--node", node, "--key-bits", "0",
            "--sync-runner", "null", "--job-lock-timeout", str(job_lock_timeout), "--log-level", "WARNING",
            "--token", f"{ADMIN_TOKEN_ID}={self.admin_token_secret}",
        ]  # fmt: skip
        for tokenid, secret in tokens:
            self._argv += ["--token", f"{tokenid}={secret}"]
        for store in datastores:
            self._argv += ["--datastore", store]
        self.port = 0
        self.url = ""
        self.fingerprint = ""
        self.proc: subprocess.Popen[str] | None = None
        self._session: requests.Session | None = None

    def start(self) -> None:
        """Start the process (again: on the port it had) and wait for its ready line."""
        argv = [*self._argv, "--port", str(self.port)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "sim-process.log", "a") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=log, text=True, cwd=Path(__file__).resolve().parents[1]
            )
        line: list[str] = []
        stdout = self.proc.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.START_TIMEOUT)
        if not line or not line[0].strip():
            self.kill()
            tail = (self.data_dir / "sim-process.log").read_text().strip().splitlines()[-5:]
            raise RuntimeError(f"the simulator process did not start (no ready line): {tail}")
        ready = json.loads(line[0])
        self.url, self.fingerprint = ready["url"], ready["fingerprint"]
        self.port = int(self.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """SIGKILL the process and reap it (nothing is flushed or closed cleanly)."""
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def inject_fault(self, method: str | None = None, path: str = "*", **spec: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"path": path, **{k: v for k, v in spec.items() if v is not None}}
        if method is not None:
            body["method"] = method
        return self._side("POST", "/faults", json=body)

    def faults(self) -> list[dict[str, Any]]:
        """The faults not used up yet."""
        return self._side("GET", "/faults")

    def advance_clock(self, seconds: float) -> int:
        return self._side("POST", "/clock", json={"advance": seconds})["now"]

    def __enter__(self) -> SimProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        self.kill()


__all__ = ["ADMIN_TOKEN_ID", "FingerprintAdapter", "SimHandle", "SimProcess", "start_simulator"]
