"""API paths built safely from user values.

PBS's router splits a path on `/`, drops empty segments, rejects segments starting with `.` and
percent-decodes each segment. A user value (a remote name, a userid, a UPID) placed in a path
must therefore stay one segment: `api_path` validates each value and percent-encodes it, and
`check_path` refuses any assembled path that could walk elsewhere.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_CONTROL = re.compile(r"[\x00-\x1f\x7f\s]")
# Raw paths may contain already-encoded segments, but never an encoded '/' or '.'.
_ENCODED_SEPARATOR = re.compile(r"%(?:2f|2e)", re.IGNORECASE)


class UnsafePathError(ValueError):
    """A value cannot be used as an API path segment (it would change which object is addressed)."""


def path_segment(value: str) -> str:
    """Validate one user-provided path segment and percent-encode it (`@`, `!`, `:`, `\\` …).

    Refuses empty values, `/`, `%` (no pre-encoded input), a leading `.` (covers `.` and `..`,
    which PBS rejects anyway), whitespace and control characters.
    """
    if not isinstance(value, str) or not value:
        raise UnsafePathError("an API path segment must be a non-empty string")
    if "/" in value or "%" in value or value.startswith(".") or _CONTROL.search(value):
        raise UnsafePathError(
            f"{value!r} cannot be used in an API path: it must not contain '/', '%', whitespace or "
            "control characters, nor start with '.'"
        )
    return quote(value, safe="")


def api_path(*segments: str) -> str:
    """Join segments into a path relative to `/api2/json`, each validated and encoded.

    `api_path("config", "remote", name)` → `/config/remote/<name>`.
    """
    if not segments:
        raise UnsafePathError("an API path needs at least one segment")
    return "/" + "/".join(path_segment(segment) for segment in segments)


def check_path(path: str) -> str:
    """Validate an assembled path (relative to `/api2/json`) before it goes on the wire."""
    if not path.startswith("/") or path == "/":
        raise UnsafePathError(f"API path {path!r} must start with '/' and name an endpoint")
    if "?" in path or "#" in path:
        raise UnsafePathError(f"API path {path!r} must not carry a query; pass params instead")
    if _CONTROL.search(path) or _ENCODED_SEPARATOR.search(path):
        raise UnsafePathError(f"API path {path!r} contains control characters or an encoded separator")
    for segment in path[1:].split("/"):
        if not segment or segment.startswith("."):
            raise UnsafePathError(f"API path {path!r} has an empty or dot segment")
    return path
