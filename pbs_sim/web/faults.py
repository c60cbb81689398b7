"""Fault injection for reliability tests: the next N requests matching a method and path pattern get
a status/body, a delay, or a dropped connection (before or after the request is handled)."""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Fault:
    id: int
    method: str | None  # None or "*" = any method
    path: str  # fnmatch pattern on the request path (no query), e.g. /api2/json/config/sync/*
    remaining: int
    status: int | None = None
    body: str = ""
    delay: float = 0.0
    drop: str | None = None  # "before" | "after"

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "remaining": self.remaining,
            "status": self.status,
            "body": self.body,
            "delay": self.delay,
            "drop": self.drop,
        }


class FaultRegistry:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(
        self,
        path: str,
        method: str | None = None,
        count: int = 1,
        status: int | None = None,
        body: str = "",
        delay: float = 0.0,
        drop: str | None = None,
    ) -> Fault:
        if drop not in (None, "before", "after"):
            raise ValueError("drop must be 'before' or 'after'")
        fault = Fault(next(self._ids), method, path, count, status, body, delay, drop)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, consuming one of its remaining uses."""
        with self._lock:
            for fault in self._faults:
                if fault.method not in (None, "*", method):
                    continue
                if not fnmatch.fnmatchcase(path, fault.path):
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None
