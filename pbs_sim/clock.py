"""The simulator's clock: real time plus an offset that tests can advance (persisted in the data dir).

Everything time-dependent (ticket and CSRF age, job next-run, task start/end times, token/user expiry)
reads :meth:`SimClock.now`, so ``advance_clock(7201)`` expires a ticket without waiting.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

CLOCK_FILE = "sim-clock-offset"


class SimClock:
    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / CLOCK_FILE
        self._lock = threading.Lock()
        try:
            self._offset = float(self._path.read_text().strip() or 0)
        except FileNotFoundError:
            self._offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def epoch(self) -> int:
        return int(self.now())

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds
            self._path.write_text(f"{self._offset}\n")
