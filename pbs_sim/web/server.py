"""Sockets: a threaded HTTP/1.1 server on one port serving TLS and plain HTTP like PBS's proxy.

Each accepted connection is handled in its own thread; its first byte is peeked: a TLS handshake
(0x16) gets wrapped with the simulator's certificate, anything else is plain HTTP and answered with
PBS's redirect (``301``/``308`` to ``https://<Host>``). Keep-alive is supported; stopping the server
closes idle keep-alive connections too, so a restart really drops clients' pooled connections.
Faults (delay, status, dropped connection) and the request log are applied here.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pbs_sim.web.app import App, Request, Response

log = logging.getLogger("pbs_sim")
SIDE_CHANNEL = "/api2/json/_sim"
TLS_HANDSHAKE = 0x16
IDLE_TIMEOUT = 120.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    server: SimHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    # every method goes through one place
    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        if not isinstance(self.connection, ssl.SSLSocket):
            self._redirect()
            return
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        cookies = self.headers.get_all("Cookie") or []
        request = Request(self.command, path, query, headers, cookies, body, self.client_address)
        self.server.serve_api(self, request)

    def _redirect(self) -> None:
        host = self.headers.get("Host")
        if host is None:
            self.send_response_only(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 301 if self.command in ("GET", "HEAD") else 308
        self.send_response_only(status)
        self.send_header("Location", f"https://{host}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send(self, response: Response) -> None:
        self.send_response_only(response.status)
        self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.command != "HEAD" and response.body:
            # one write for head and body: no Nagle/delayed-ACK stall between them
            self._headers_buffer.append(b"\r\n" + response.body)
            self.flush_headers()
        else:
            self.end_headers()
        self.wfile.flush()

    def abort(self) -> None:
        """Reset the connection without an answer (RST, like a crashed peer)."""
        self.close_connection = True
        raw = self.connection
        try:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socket.socket.close(raw)
        except OSError:
            pass


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, tls: ssl.SSLContext) -> None:
        self.app = app
        self.tls = tls
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)

    # --- connection lifecycle ---------------------------------------------------------------------
    def process_request_thread(self, request: Any, client_address: Any) -> None:
        conn = request
        try:
            conn.settimeout(IDLE_TIMEOUT)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            first = conn.recv(1, socket.MSG_PEEK)
            if not first:
                return
            if first[0] == TLS_HANDSHAKE:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self._track(conn, True)
            self.finish_request(conn, client_address)
        except (OSError, ssl.SSLError) as exc:
            log.debug("connection from %s ended: %s", client_address, exc)
        finally:
            self._track(conn, False)
            self.shutdown_request(conn)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(conn, socket.SHUT_RDWR)

    # --- requests -----------------------------------------------------------------------------------
    def serve_api(self, handler: _Handler, request: Request) -> None:
        side_channel = request.path.startswith(SIDE_CHANNEL)
        control = self.app.control
        fault = None if side_channel else control.faults.take(request.method, request.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop == "before":
            self._log(request, self._quiet_auth(request), None, True)
            handler.abort()
            return
        if fault is not None and fault.status is not None:
            response = Response(
                fault.status,
                fault.body.encode(),
                [("Content-Type", "application/json;charset=UTF-8")],
                self._quiet_auth(request),
            )
        else:
            response = self.app.handle(request)
        dropped = fault is not None and fault.drop == "after"
        if not side_channel:
            self._log(request, response.auth_id, response.status, dropped)
        log.info("%s %s -> %s (%s)", request.method, request.path, response.status, response.auth_id or "-")
        if dropped:
            handler.abort()
            return
        handler.send(response)

    def _quiet_auth(self, request: Request) -> str | None:
        try:
            return self.app.authenticate(request)
        except Exception:
            return None

    def _log(self, request: Request, auth_id: str | None, status: int | None, dropped: bool) -> None:
        self.app.control.requests.record(
            request.method, request.path, request.query, auth_id, status, dropped
        )
