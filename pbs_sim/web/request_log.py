"""The request log tests read: method, path, query (secrets redacted), auth-id and status per request."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode

SECRET_KEYS = frozenset({"password", "secret", "value", "ticket", "csrfpreventiontoken", "tfa-challenge"})


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in SECRET_KEYS else v) for k, v in pairs])


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(
        self, method: str, path: str, query: str, auth_id: str | None, status: int | None, dropped: bool
    ) -> None:
        entry = {
            "method": method,
            "path": path,
            "query": redact_query(query),
            "auth_id": auth_id,
            "status": status,
            "dropped": dropped,
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
