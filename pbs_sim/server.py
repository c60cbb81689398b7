"""Assemble and run one simulated PBS: data dir, certificate, backend, routes, HTTPS listener.

:class:`Simulator` is what the CLI (``python -m pbs_sim``) and ``pbs_sim.testing`` both run. It can be
stopped and started again on the same port and data dir (a restart keeps all state).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pbs_sim import grammar
from pbs_sim.models.backend import DEFAULT_JOB_LOCK_TIMEOUT, PbsBackend, ServerIdentity
from pbs_sim.models.remote_scan import RemoteScanner
from pbs_sim.models.seed import apply_seed, parse_seed_text
from pbs_sim.models.sync_runner import PbsSyncRunner
from pbs_sim.routes.table import build_router
from pbs_sim.tls import cert_fingerprint, ensure_certificate, server_context
from pbs_sim.web.app import App, SimControl
from pbs_sim.web.client import HttpClient
from pbs_sim.web.faults import FaultRegistry
from pbs_sim.web.request_log import RequestLog
from pbs_sim.web.server import SimHTTPServer

log = logging.getLogger("pbs_sim")
DEFAULT_VERSION = "4.2.3"


@dataclass
class SimulatorConfig:
    data_dir: Path
    root_password: str
    host: str = "127.0.0.1"
    port: int = 0
    node: str = "localhost"
    pbs_version: str = DEFAULT_VERSION
    datastores: Sequence[str] = ()
    tokens: Sequence[tuple[str, str]] = ()  # (tokenid, secret), each gets Admin on /
    key_bits: int = 4096
    job_lock_timeout: float = DEFAULT_JOB_LOCK_TIMEOUT
    unauth_delay: float = 0.0  # PBS holds 401 answers back ~3 s; 0 keeps tests fast
    # "pbs": sync runs really pull/push (over HTTPS to remotes); "null": runs log like PBS, move nothing
    sync_runner: str = "pbs"
    trusted_ca: str | None = None  # extra CA file trusted by outgoing (sync) connections
    seed_content: Path | None = None  # seed file applied at start (JSON or YAML, see models.seed)


class Simulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.control = SimControl(FaultRegistry(), RequestLog())
        self.backend: PbsBackend | None = None
        self.fingerprint = ""
        self._server: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.config.port

    @property
    def url(self) -> str:
        host = self.config.host
        shown = f"[{host}]" if ":" in host else host
        return f"https://{shown}:{self.config.port}"

    def start(self) -> None:
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        cert, key = ensure_certificate(cfg.data_dir, cfg.node, cfg.key_bits)
        self.fingerprint = cert_fingerprint(cert)
        identity = ServerIdentity(
            node=cfg.node,
            version=cfg.pbs_version,
            version_tuple=grammar.version_tuple(cfg.pbs_version),
            repoid=hashlib.sha1(f"pbs_sim {cfg.pbs_version}".encode()).hexdigest(),
            fingerprint=self.fingerprint,
        )
        backend = PbsBackend(cfg.data_dir, identity, cfg.job_lock_timeout)
        backend.set_root_password(cfg.root_password)
        for name in cfg.datastores:
            backend.datastores.ensure(name)
        for tokenid, secret in cfg.tokens:
            backend.ensure_admin_token(tokenid, secret)
        if cfg.seed_content is not None:
            spec = parse_seed_text(cfg.seed_content.read_text())
            apply_seed(spec, backend.datastores, backend.datastores.content)
        backend.remote_scan = RemoteScanner(backend.remotes, self._client_factory)
        if cfg.sync_runner == "pbs":
            backend.sync.runner = PbsSyncRunner(
                backend.datastores, backend.content, backend.perms, backend.remotes, self._client_factory
            )
        self.backend = backend
        delay = cfg.unauth_delay
        app = App(
            backend, build_router(), self.control, (lambda: threading.Event().wait(delay)) if delay else None
        )
        server = SimHTTPServer((cfg.host, cfg.port), app, server_context(cert, key))
        cfg.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"pbs_sim:{cfg.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("pbs_sim %s (%s) listening on %s", cfg.pbs_version, cfg.node, self.url)

    def _client_factory(self, remote: dict[str, Any], log: Callable[[str, str], None]) -> HttpClient:
        """How this server reaches a remote PBS during a sync run."""
        return HttpClient(
            remote["host"],
            remote.get("port"),
            remote["auth-id"],
            remote.get("password", ""),
            remote.get("fingerprint"),
            self.config.trusted_ca,
            log,
        )

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(5)
        if self.backend is not None:
            self.backend.tasks.wait_all()
        self._server = None
        self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()
