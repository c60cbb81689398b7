"""The PBS grammars the simulator uses, all from ``pbs_types`` (one implementation).

This module only re-exports what the simulator needs under one roof and adapts shapes (version
tuples, schedule helpers); it holds no rules of its own.
"""

from __future__ import annotations

from pbs_types import ids, roles
from pbs_types.calendar import CalendarEventError, parse_calendar_event
from pbs_types.errors import PbsValueError
from pbs_types.group_filter import GROUP_FILTER_RULE, normalize_group_filter
from pbs_types.human_byte import HUMAN_BYTE_RULE, normalize_human_byte
from pbs_types.version import PbsVersion

PRIVILEGES = roles.PRIVILEGES
ROLE_PRIVILEGES = roles.ROLE_PRIVILEGES
ROLE_COMMENTS = roles.ROLE_COMMENTS
ROLE_SINCE = roles.ROLE_SINCE
ROOT_USERID = ids.ROOT_USERID
MAX_NAMESPACE_DEPTH = ids.MAX_NAMESPACE_DEPTH

__all__ = [
    "GROUP_FILTER_RULE",
    "HUMAN_BYTE_RULE",
    "MAX_NAMESPACE_DEPTH",
    "PRIVILEGES",
    "ROLE_COMMENTS",
    "ROLE_PRIVILEGES",
    "ROLE_SINCE",
    "ROOT_USERID",
    "CalendarEventError",
    "PbsValueError",
    "ids",
    "is_authid",
    "is_userid",
    "next_event",
    "normalize_group_filter",
    "normalize_human_byte",
    "version_tuple",
]


def version_tuple(text: str) -> tuple[int, int, int]:
    """``"4.2.3"`` -> ``(4, 2, 3)`` (raises ``VersionError`` for malformed text)."""
    version = PbsVersion.parse(text)
    return version.major, version.minor, version.release


def is_userid(text: str) -> bool:
    """A ``Userid`` PBS accepts: schema, then ``Userid::from_str`` (realm 2-32 after the last ``@``)."""
    try:
        ids.parse_userid(text)
    except PbsValueError:
        return False
    return True


def is_authid(text: str) -> bool:
    """An ``Authid`` PBS accepts: schema, then ``Authid::from_str`` (user id, optional ``!token``)."""
    try:
        ids.parse_authid(text)
    except PbsValueError:
        return False
    return True


def next_event(schedule: str, after_epoch: int) -> int | None:
    """Next run of a schedule after ``after_epoch`` in the server's local time (None if none)."""
    return parse_calendar_event(schedule).next_event(after_epoch)
