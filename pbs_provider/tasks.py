"""Follow a PBS task (a UPID) to its end: its log lines as they are written, then its outcome.

PBS runs jobs as worker tasks (`src/api2/node/tasks.rs`): `GET /nodes/{node}/tasks/{upid}/status` says
`running` or `stopped` (then with `exitstatus`: `OK`, `WARNINGS: <n>`, `unknown` or the bare error
message), `GET …/log?start=<n>` returns the lines from line `n` on (1-based, `{n, t}` items). The
node segment is not compared with the server's name; the GUI uses `localhost`, and so do we.
`follow_task` polls both, hands each new log line to a callback once, and returns when the task has
stopped and its last line was read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pbs_provider.client import PbsClient, api_path

LOG_PAGE = 500
"""Log lines asked for per request."""


class TaskTimeout(TimeoutError):
    """The task was still running when the caller stopped waiting (it keeps running on PBS)."""

    def __init__(self, upid: str, seconds: float) -> None:
        super().__init__(f"task {upid} is still running after {seconds:g}s (it keeps running on the server)")
        self.upid = upid


@dataclass(frozen=True)
class TaskOutcome:
    """How a task ended, from its status."""

    upid: str
    exitstatus: str
    starttime: int | None = None
    endtime: int | None = None

    @property
    def state(self) -> str:
        """`ok`, `warnings` or `error` (PBS's `unknown` — no result line — counts as an error)."""
        if self.exitstatus == "OK":
            return "ok"
        if self.exitstatus.startswith("WARNINGS"):
            return "warnings"
        return "error"

    @property
    def succeeded(self) -> bool:
        return self.state != "error"

    @property
    def duration(self) -> int | None:
        if self.starttime is None or self.endtime is None:
            return None
        return self.endtime - self.starttime


def task_path(upid: str, *rest: str) -> str:
    """`/nodes/localhost/tasks/<upid>[/…]` with the UPID percent-encoded."""
    return api_path("nodes", "localhost", "tasks", upid, *rest)


def task_status(client: PbsClient, upid: str) -> Mapping[str, Any]:
    data = client.get(task_path(upid, "status")).data
    return data if isinstance(data, Mapping) else {}


def _outcome(upid: str, status: Mapping[str, Any]) -> TaskOutcome:
    def integer(name: str) -> int | None:
        value = status.get(name)
        return int(value) if isinstance(value, int | float) else None

    return TaskOutcome(
        upid, str(status.get("exitstatus", "unknown")), integer("starttime"), integer("endtime")
    )


class TaskLog:
    """Reads a task's log incrementally: `new_lines()` returns each line once, in order."""

    def __init__(self, client: PbsClient, upid: str) -> None:
        self.client, self.upid = client, upid
        self.next_line = 1

    def new_lines(self) -> list[str]:
        lines: list[str] = []
        while True:
            data = self.client.get(
                task_path(self.upid, "log"), {"start": self.next_line, "limit": LOG_PAGE}
            ).data
            page = [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []
            for item in page:
                number = int(item.get("n", self.next_line))
                if number >= self.next_line:
                    lines.append(str(item.get("t", "")))
                    self.next_line = number + 1
            if len(page) < LOG_PAGE:
                return lines


def follow_task(
    client: PbsClient,
    upid: str,
    on_line: Callable[[str], None] = lambda _line: None,
    *,
    poll_interval: float = 0.5,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> TaskOutcome:
    """Wait for task `upid`, passing each log line to `on_line` as it appears; its outcome.

    Raises `TaskTimeout` after `timeout` seconds (None: wait as long as it runs) and the client's
    `PbsError`s (e.g. `PermissionDenied`: PBS shows a task to its owner, to Sys.Audit on
    /system/tasks, and for sync jobs to whoever may run them).
    """
    log = TaskLog(client, upid)
    started = clock()
    while True:
        status = task_status(client, upid)
        for line in log.new_lines():
            on_line(line)
        if status.get("status") == "stopped":  # read before the log: the log was complete then
            return _outcome(upid, status)
        if timeout is not None and clock() - started >= timeout:
            raise TaskTimeout(upid, timeout)
        sleep(poll_interval)
