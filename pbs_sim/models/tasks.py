"""Worker tasks: UPIDs, task logs and task status (proxmox-rest-server's ``WorkerTask``).

A task runs in a thread; its log is a file of ``<rfc3339>: <message>`` lines ending with
``TASK OK`` / ``TASK WARNINGS: n`` / ``TASK ERROR: <msg>``, and the final status is read back from that
line (like ``upid_read_status``), so finished tasks survive a restart. UPIDs follow PBS's format,
worker ids are systemd-escaped.
"""

from __future__ import annotations

import datetime
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pbs_sim import errors

UPID_RE = re.compile(
    r"UPID:(?P<node>[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?):(?P<pid>[0-9A-Fa-f]{8}):"
    r"(?P<pstart>[0-9A-Fa-f]{8,9}):(?P<task_id>[0-9A-Fa-f]{8,16}):(?P<starttime>[0-9A-Fa-f]{8}):"
    r"(?P<wtype>[^:\s]+):(?P<wid>[^:\s]*):(?P<authid>[^:\s]+):"
)
INDEX_FILE = "index"
_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


def escape_worker_id(text: str) -> str:
    """systemd-style escaping: ``/`` -> ``-``, other bytes outside ``[A-Za-z0-9_.]`` -> ``\\xNN``."""
    out = []
    for index, byte in enumerate(text.encode()):
        char = chr(byte)
        if char == "/":
            out.append("-")
        elif (index == 0 and char == ".") or char not in _PLAIN:
            out.append(f"\\x{byte:02x}")
        else:
            out.append(char)
    return "".join(out)


def unescape_worker_id(text: str) -> str:
    raw = bytearray()
    i = 0
    while i < len(text):
        if text.startswith("\\x", i) and i + 4 <= len(text):
            raw.append(int(text[i + 2 : i + 4], 16))
            i += 4
        elif text[i] == "-":
            raw.append(ord("/"))
            i += 1
        else:
            raw.extend(text[i].encode())
            i += 1
    return raw.decode()


@dataclass(frozen=True)
class Upid:
    node: str
    pid: int
    pstart: int
    task_id: int
    starttime: int
    worker_type: str
    worker_id: str | None
    auth_id: str

    def __str__(self) -> str:
        wid = escape_worker_id(self.worker_id) if self.worker_id is not None else ""
        return (
            f"UPID:{self.node}:{self.pid:08X}:{self.pstart:08X}:{self.task_id:08X}:"
            f"{self.starttime:08X}:{self.worker_type}:{wid}:{self.auth_id}:"
        )

    @classmethod
    def parse(cls, text: str) -> Upid:
        match = UPID_RE.fullmatch(text)
        if match is None:
            raise errors.unable_to_parse_upid(text)
        wid = match["wid"]
        return cls(
            node=match["node"],
            pid=int(match["pid"], 16),
            pstart=int(match["pstart"], 16),
            task_id=int(match["task_id"], 16),
            starttime=int(match["starttime"], 16),
            worker_type=match["wtype"],
            worker_id=unescape_worker_id(wid) if wid else None,
            auth_id=match["authid"],
        )


@dataclass(frozen=True)
class TaskState:
    """How a task ended: ``OK``, ``WARNINGS: n``, ``unknown`` or an error message."""

    kind: str  # "ok" | "warning" | "error" | "unknown"
    endtime: int
    message: str = ""
    count: int = 0

    def __str__(self) -> str:
        if self.kind == "ok":
            return "OK"
        if self.kind == "warning":
            return f"WARNINGS: {self.count}"
        if self.kind == "error":
            return self.message
        return "unknown"

    def result_line(self) -> str:
        return f"TASK ERROR: {self.message}" if self.kind == "error" else f"TASK {self}"


class WorkerTask:
    """Handle given to a running task body: write log lines, count warnings."""

    def __init__(self, upid: Upid, log_path: Path, now: Callable[[], int]) -> None:
        self.upid = upid
        self.log_path = log_path
        self._now = now
        self.warnings = 0
        self._lock = threading.Lock()

    def log(self, message: str) -> None:
        stamp = datetime.datetime.fromtimestamp(self._now()).astimezone().isoformat(timespec="seconds")
        with self._lock, self.log_path.open("a") as handle:
            for line in message.splitlines() or [""]:
                handle.write(f"{stamp}: {line}\n")

    def warn(self, message: str) -> None:
        """A `warn!`/`error!` inside a worker: PBS 4.2's task log layer (proxmox-log
        `tasklog_layer.rs`) writes the line as it is and counts it; the task ends `WARNINGS: n`."""
        self.warnings += 1
        self.log(message)


_STATUS_RE = re.compile(r"^(?P<stamp>\S+): TASK (?P<rest>.*)$")


def read_task_state(log_path: Path) -> TaskState | None:
    """The final state from the last log line (None while no result line exists)."""
    try:
        lines = log_path.read_text().splitlines()
    except FileNotFoundError:
        return None
    if not lines:
        return None
    match = _STATUS_RE.match(lines[-1])
    if match is None:
        return None
    endtime = int(datetime.datetime.fromisoformat(match["stamp"]).timestamp())
    rest = match["rest"]
    if rest == "OK":
        return TaskState("ok", endtime)
    if rest.startswith("WARNINGS: "):
        return TaskState("warning", endtime, count=int(rest.split(": ", 1)[1]))
    if rest.startswith("ERROR: "):
        return TaskState("error", endtime, message=rest[len("ERROR: ") :])
    return TaskState("unknown", endtime)


class TaskManager:
    """Spawns worker threads, keeps their logs under ``<data>/tasks`` and answers status queries."""

    def __init__(self, data_dir: Path, node: str, now: Callable[[], int]) -> None:
        self.dir = data_dir / "tasks"
        self.dir.mkdir(exist_ok=True)
        self.node = node
        self._now = now
        self._pid = os.getpid()
        self._pstart = int.from_bytes(os.urandom(3), "big") | 0x10000000
        self._counter = 0
        self._lock = threading.Lock()
        self._active: dict[str, threading.Thread] = {}

    def log_path(self, upid: Upid) -> Path:
        return self.dir / f"{upid.pstart:08X}-{upid.task_id:08X}-{upid.starttime:08X}.log"

    def spawn(
        self,
        worker_type: str,
        worker_id: str | None,
        auth_id: str,
        body: Callable[[WorkerTask], None],
        on_start: Callable[[str], None] | None = None,
        on_finish: Callable[[TaskState], None] | None = None,
    ) -> str:
        with self._lock:
            self._counter += 1
            upid = Upid(
                self.node,
                self._pid,
                self._pstart,
                self._counter,
                self._now(),
                worker_type,
                worker_id,
                auth_id,
            )
        worker = WorkerTask(upid, self.log_path(upid), self._now)
        worker.log_path.touch()
        text = str(upid)
        with self._lock, (self.dir / INDEX_FILE).open("a") as index:
            index.write(text + "\n")
        if on_start is not None:
            on_start(text)

        def run() -> None:
            try:
                body(worker)
                state = (
                    TaskState("warning", self._now(), count=worker.warnings)
                    if worker.warnings
                    else TaskState("ok", self._now())
                )
            except Exception as exc:
                state = TaskState("error", self._now(), message=str(exc))
            worker.log(state.result_line())
            try:
                if on_finish is not None:
                    on_finish(state)
            finally:
                with self._lock:
                    self._active.pop(text, None)

        thread = threading.Thread(target=run, name=f"task-{upid.task_id}", daemon=True)
        with self._lock:
            self._active[text] = thread
        thread.start()
        return text

    def is_active(self, upid_text: str) -> bool:
        with self._lock:
            return upid_text in self._active

    def wait(self, upid_text: str, timeout: float | None = None) -> None:
        with self._lock:
            thread = self._active.get(upid_text)
        if thread is not None:
            thread.join(timeout)

    def state(self, upid: Upid) -> TaskState | None:
        return read_task_state(self.log_path(upid))

    def read_log(self, upid: Upid) -> list[str]:
        try:
            return self.log_path(upid).read_text().splitlines()
        except FileNotFoundError:
            raise errors.ApiError(errors.TASK_LOG_NOT_FOUND) from None

    def list_upids(self) -> list[str]:
        """All known tasks, newest first (PBS lists active and archived tasks newest first)."""
        try:
            lines = (self.dir / INDEX_FILE).read_text().splitlines()
        except FileNotFoundError:
            return []
        return [line for line in reversed(lines) if line]

    def wait_all(self, timeout: float = 5.0) -> None:
        with self._lock:
            threads = list(self._active.values())
        for thread in threads:
            thread.join(timeout)
