"""Job state files and job locks (pbs ``server/jobstate.rs``).

State lives in ``<data>/jobstates/<type>-<id>.json`` as ``{"state": "created", "time": ..}``,
``{"state": "started", "upid": ..}`` or ``{"state": "finished", "upid": .., "status": .., "endtime": ..,
"updated": ..}``. A job lock (``<type>-<id>.lck`` in PBS) is held for the whole run; taking it waits up
to ``lock_timeout`` seconds and then fails with PBS's lock error. Tests can hold a lock to make a job
"busy" without running it. ``schedule_status`` computes ``next-run``/``last-run-*`` like
``compute_schedule_status``.

The simulator is the only writer of its ``jobstates`` directory, so the states it wrote are kept in
memory (written through to the files, dropped on removal) and a status listing reads no file; the
next run of a schedule after a given time is computed once per (schedule, time, local zone).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pbs_sim import errors, grammar
from pbs_sim.config_store import write_atomic
from pbs_sim.models.tasks import TaskManager, TaskState, Upid

SCHEDULE_FALLBACK_OFFSET = 30
PBS_JOBSTATE_DIR = "/var/lib/proxmox-backup/jobstates"


class JobLock:
    """An acquired job lock; release it exactly once (possibly from another thread)."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self._released = False
        self._guard = threading.Lock()

    def release(self) -> None:
        with self._guard:
            if not self._released:
                self._released = True
                self._lock.release()


class JobStates:
    def __init__(
        self, data_dir: Path, tasks: TaskManager, now: Callable[[], int], lock_timeout: float
    ) -> None:
        self.dir = data_dir / "jobstates"
        self.dir.mkdir(exist_ok=True)
        self._tasks = tasks
        self._now = now
        self.lock_timeout = lock_timeout
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._held: dict[str, JobLock] = {}
        self._states: dict[str, dict[str, Any]] = {}  # what each state file holds (as written)
        self._states_guard = threading.Lock()

    def _path(self, jobtype: str, job_id: str) -> Path:
        return self.dir / f"{jobtype}-{job_id}.json"

    def _raw_lock(self, jobtype: str, job_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(f"{jobtype}-{job_id}", threading.Lock())

    def acquire(self, jobtype: str, job_id: str, timeout: float | None = None) -> JobLock:
        """``Job::new``: take the job lock or fail like PBS after the timeout."""
        lock = self._raw_lock(jobtype, job_id)
        wait = self.lock_timeout if timeout is None else timeout
        if not lock.acquire(timeout=wait):
            raise errors.job_lock_busy(f"{PBS_JOBSTATE_DIR}/{jobtype}-{job_id}.lck")
        return JobLock(lock)

    # --- test hooks ------------------------------------------------------------------------------
    def hold(self, jobtype: str, job_id: str) -> bool:
        """Hold a job's lock as if another process ran it; False if it is already held."""
        key = f"{jobtype}-{job_id}"
        with self._locks_guard:
            if key in self._held:
                return False
        lock = self.acquire(jobtype, job_id, timeout=self.lock_timeout)
        with self._locks_guard:
            self._held[key] = lock
        return True

    def release_hold(self, jobtype: str, job_id: str) -> bool:
        with self._locks_guard:
            held = self._held.pop(f"{jobtype}-{job_id}", None)
        if held is None:
            return False
        held.release()
        return True

    # --- state file ------------------------------------------------------------------------------
    def _write(self, jobtype: str, job_id: str, state: dict[str, Any]) -> None:
        with self._states_guard:
            write_atomic(self._path(jobtype, job_id), json.dumps(state).encode(), 0o644)
            self._states[f"{jobtype}-{job_id}"] = dict(state)

    def _unlink(self, jobtype: str, job_id: str) -> None:
        with self._states_guard:
            self._path(jobtype, job_id).unlink(missing_ok=True)
            self._states.pop(f"{jobtype}-{job_id}", None)

    def _stored(self, jobtype: str, job_id: str) -> dict[str, Any] | None:
        """The state file's content (None: no file); raises ValueError for a file that is no JSON."""
        key = f"{jobtype}-{job_id}"
        with self._states_guard:
            state = self._states.get(key)
            if state is None:
                try:
                    state = json.loads(self._path(jobtype, job_id).read_text())
                except FileNotFoundError:
                    return None
                if isinstance(state, dict):
                    self._states[key] = state
            return dict(state) if isinstance(state, dict) else state

    def load(self, jobtype: str, job_id: str) -> dict[str, Any]:
        try:
            state = self._stored(jobtype, job_id)
        except ValueError:
            return {"state": "unknown"}
        if state is None:
            return {"state": "created", "time": self._now() - SCHEDULE_FALLBACK_OFFSET}
        if state.get("state") == "started":
            upid_text = state["upid"]
            if not self._tasks.is_active(upid_text):
                upid = Upid.parse(upid_text)
                ended = self._tasks.state(upid) or TaskState("unknown", upid.starttime)
                return {"state": "finished", "upid": upid_text, **_state_fields(ended)}
        return state

    def create(self, jobtype: str, job_id: str) -> None:
        lock = self.acquire(jobtype, job_id)
        try:
            self._write(jobtype, job_id, {"state": "created", "time": self._now()})
        finally:
            lock.release()

    def remove(self, jobtype: str, job_id: str) -> None:
        lock = self.acquire(jobtype, job_id)
        try:
            self._unlink(jobtype, job_id)
        finally:
            lock.release()

    def update_last_run_time(self, jobtype: str, job_id: str) -> None:
        """After a schedule change: next-run is computed from now (skipped while running)."""
        try:
            lock = self.acquire(jobtype, job_id)
        except errors.ApiError:
            return
        try:
            state = self.load(jobtype, job_id)
            now = self._now()
            if state["state"] == "started":
                return
            if state["state"] == "finished":
                state["updated"] = now
            else:
                state = {"state": "created", "time": now}
            self._write(jobtype, job_id, state)
        finally:
            lock.release()

    def started(self, jobtype: str, job_id: str, upid: str) -> None:
        self._write(jobtype, job_id, {"state": "started", "upid": upid})

    def finished(self, jobtype: str, job_id: str, upid: str, ended: TaskState) -> None:
        self._write(jobtype, job_id, {"state": "finished", "upid": upid, **_state_fields(ended)})

    def schedule_status(self, jobtype: str, job_id: str, schedule: str | None) -> dict[str, Any]:
        state = self.load(jobtype, job_id)
        status: dict[str, Any] = {}
        kind = state.get("state")
        if kind == "created":
            last = state["time"]
        elif kind == "started":
            status["last-run-upid"] = state["upid"]
            last = Upid.parse(state["upid"]).starttime
        elif kind == "finished":
            status["last-run-upid"] = state["upid"]
            status["last-run-state"] = state["status"]
            status["last-run-endtime"] = state["endtime"]
            last = state.get("updated") or state["endtime"]
        else:
            last = self._now() - SCHEDULE_FALLBACK_OFFSET
        if schedule is not None:
            next_run = _next_run(schedule, last, (time.tzname, time.timezone, time.altzone))
            if next_run is not None:
                status["next-run"] = next_run
        return status


@functools.lru_cache(maxsize=4096)
def _next_run(schedule: str, after: int, _zone: object) -> int | None:
    """The next event of `schedule` after `after` in the local zone (`_zone` names it, so that a
    changed TZ is a new key); None for none or an invalid schedule."""
    try:
        return grammar.next_event(schedule, after)
    except ValueError:
        return None


def _state_fields(ended: TaskState) -> dict[str, Any]:
    return {"status": str(ended), "endtime": ended.endtime}
