"""Calendar events (`schedule`): PBS's grammar, its error texts, and the next run time.

A port of proxmox-time (`calendar_event.rs`, `parse_helpers.rs`, `week_days.rs`,
`date_time_value.rs`), including the backtracking of its nom parser, because that decides
what PBS accepts (`25:00` is "minute 25 of every hour": the hour list fails, the parser backs
off and reads `25` as the minute) and which error it prints:

    unable to parse calendar event at '<rest>' - <nom error kind, Rust Debug form>

e.g. `... at 'foo' - Context("weekday")`, `... at ' x' - Nom(Eof)` or
`... at '' - Context("date or time specification")`.

Grammar in short (`proxmox-time/src/calendar_event.rs` in proxmox-rs, PBS's `docs/calendarevents.rst`):
an optional trailing `UTC`; a keyword
(`minutely` ... `yearly`), or `[weekdays] [[year-]month-day] [[hour:]minute[:second]]` with
`*`, `*/R`, lists `a,b`, ranges `a..b`, repetitions `a/R` and `a..b/R`.

`CalendarEvent.next_event(after, tz)` is `compute_next_event`: the first matching second
strictly after `after`, in UTC for `... UTC` events, else in `tz` (default: the process's local
time zone through libc, as PBS does), `None` if there is none (e.g. a past year).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import TypeVar

from ._tm_editor import UTC_ZONE, LibcLocalZone, OutOfRange, TmEditor, TzinfoZone, Zone
from .errors import PbsValueError
from .rules import StringRule

__all__ = [
    "SCHEDULE_RULE",
    "CalendarEvent",
    "CalendarEventError",
    "DateTimeValue",
    "parse_calendar_event",
    "verify_calendar_event",
]

_T = TypeVar("_T")


class CalendarEventError(PbsValueError):
    """A schedule PBS cannot parse (`unable to parse calendar event at '...' - ...`)."""


@dataclass(frozen=True)
class DateTimeValue:
    """One list item of a date/time field: `v`, `a..b`, `a/R` or `a..b/R`."""

    start: int
    end: int | None = None
    repeat: int | None = None

    def contains(self, value: int) -> bool:
        if self.repeat is None:
            if self.end is None:
                return value == self.start
            return self.start <= value <= self.end
        if value < self.start:
            return False
        if self.repeat == 0:
            return value == self.start
        hit = (value - self.start) % self.repeat == 0
        return hit and (self.end is None or value <= self.end)

    def next_after(self, value: int) -> int | None:
        """The smallest value > `value` this item contains, as PBS's `find_next` computes it."""
        if self.repeat is None:
            if self.end is None:
                return self.start if self.start > value else None
            if value < self.start:
                return self.start
            return value + 1 if self.start <= value + 1 <= self.end else None
        if value < self.start:
            return self.start
        if self.repeat == 0:
            return None
        candidate = self.start + ((value - self.start + self.repeat) // self.repeat) * self.repeat
        return candidate if self.end is None or candidate <= self.end else None


def _list_contains(values: Sequence[DateTimeValue], value: int) -> bool:
    return any(item.contains(value) for item in values)


def _find_next(values: Sequence[DateTimeValue], value: int) -> int | None:
    candidates = [n for n in (item.next_after(value) for item in values) if n is not None]
    return min(candidates) if candidates else None


_ZERO = (DateTimeValue(0),)
_FIRST = (DateTimeValue(1),)
_ALL_WEEKDAYS = frozenset(range(7))


@dataclass(frozen=True)
class CalendarEvent:
    """A parsed calendar event. Empty field tuples / weekday sets mean "any"."""

    utc: bool = False
    days: frozenset[int] = frozenset()  # 0 = Monday ... 6 = Sunday
    second: tuple[DateTimeValue, ...] = ()
    minute: tuple[DateTimeValue, ...] = ()
    hour: tuple[DateTimeValue, ...] = ()
    day: tuple[DateTimeValue, ...] = ()
    month: tuple[DateTimeValue, ...] = ()
    year: tuple[DateTimeValue, ...] = ()

    def _zone(self, tz: tzinfo | None) -> Zone:
        if self.utc:
            return UTC_ZONE
        return LibcLocalZone() if tz is None else TzinfoZone(tz)

    def next_event(self, after: int, tz: tzinfo | None = None) -> int | None:
        """The next matching epoch strictly after `after` (PBS's `compute_next_event`).

        UTC events ignore `tz`; other events use `tz`, or the process's local zone when `tz` is
        None. Returns None when PBS finds no match (past years, impossible dates) within its
        1000-step search, or when the search leaves the representable date range.
        """
        try:
            return self._compute_next_event(after, self._zone(tz))
        except OutOfRange:
            return None

    def _compute_next_event(self, after: int, zone: Zone) -> int | None:
        t = TmEditor(after + 1, zone)
        all_days = not self.days or self.days == _ALL_WEEKDAYS
        for _ in range(1001):
            tm = t.tm
            if self.year and not _list_contains(self.year, tm.year):
                n = _find_next(self.year, tm.year)
                if n is None:
                    return None
                t.add_years(n - tm.year)
                continue
            if self.month and not _list_contains(self.month, tm.month):
                n = _find_next(self.month, tm.month)
                if n is None:
                    t.add_years(1)
                else:
                    t.add_months(n - tm.month)
                continue
            if self.day and not _list_contains(self.day, tm.day):
                n = _find_next(self.day, tm.day)
                if n is None:
                    t.add_months(1)
                else:
                    t.add_days(n - tm.day)
                continue
            if not all_days and tm.weekday not in self.days:
                later = [d for d in range(tm.weekday + 1, 7) if d in self.days]
                t.add_days((later[0] if later else 7) - tm.weekday)
                continue
            if self.hour and not _list_contains(self.hour, tm.hour):
                n = _find_next(self.hour, tm.hour)
                if n is None:
                    t.add_days(1)
                else:
                    t.set_time(n, 0, 0)
                continue
            if self.minute and not _list_contains(self.minute, tm.minute):
                n = _find_next(self.minute, tm.minute)
                if n is None:
                    t.set_time(tm.hour + 1, 0, 0)
                else:
                    t.set_min_sec(n, 0)
                continue
            if self.second and not _list_contains(self.second, tm.second):
                n = _find_next(self.second, tm.second)
                if n is None:
                    t.set_min_sec(tm.minute + 1, 0)
                else:
                    t.set_sec(n)
                continue
            return t.epoch
        return None

    def matches(self, epoch: int, tz: tzinfo | None = None) -> bool:
        """True if the second `epoch` satisfies every field of the event (in its time zone)."""
        tm = self._zone(tz).broken_down(epoch)
        checks = (
            (self.year, tm.year),
            (self.month, tm.month),
            (self.day, tm.day),
            (self.hour, tm.hour),
            (self.minute, tm.minute),
            (self.second, tm.second),
        )
        if any(values and not _list_contains(values, value) for values, value in checks):
            return False
        return not self.days or tm.weekday in self.days


# --- the parser: nom semantics, errors carry (remaining input, Debug of the error kind) -------


class _NomError(Exception):
    def __init__(self, rest: str, kind: str) -> None:
        super().__init__(rest, kind)
        self.rest = rest
        self.kind = kind


def _context(rest: str, name: str) -> _NomError:
    return _NomError(rest, f'Context("{name}")')


_DIGITS = re.compile(r"[0-9]+")
_ALPHA = re.compile(r"[A-Za-z]+")
_U32_MAX = 0xFFFFFFFF


def _time_comp(text: str, limit: int) -> tuple[str, int]:
    """`parse_time_comp`: ASCII digits as u32, which must be < `limit`."""
    match = _DIGITS.match(text)
    if match is None:
        raise _NomError(text, "Nom(Digit)")
    digits = match.group()
    if len(digits.lstrip("0")) > 10 or int(digits) > _U32_MAX:
        raise _NomError(text, "Nom(MapRes)")
    rest, value = text[len(digits) :], int(digits)
    if value >= limit:
        raise _context(rest, "time value too large")
    return rest, value


def _separated_list1(
    text: str, separator: str, item: Callable[[str], tuple[str, _T]]
) -> tuple[str, list[_T]]:
    """nom's `separated_list1`: an item failing after a separator ends the list before it."""
    text, first = item(text)
    items = [first]
    while text.startswith(separator):
        try:
            rest, value = item(text[len(separator) :])
        except _NomError:
            break
        items.append(value)
        text = rest
    return text, items


def _date_time_comp(limit: int) -> Callable[[str], tuple[str, DateTimeValue]]:
    def parse(text: str) -> tuple[str, DateTimeValue]:
        text, value = _time_comp(text, limit)
        end = None
        if text.startswith(".."):
            try:
                text, end = _time_comp(text[2:], limit)
            except _NomError:
                end = None
        if end is not None:
            if value > end:
                raise _context(text, "range start is bigger than end")
            if text.startswith("/"):
                text, repeat = _time_comp(text[1:], limit)
                return text, DateTimeValue(value, end, repeat)
            return text, DateTimeValue(value, end)
        if text.startswith("/"):
            text, repeat = _time_comp(text[1:], limit)
            return text, DateTimeValue(value, None, repeat)
        return text, DateTimeValue(value)

    return parse


def _date_time_comp_list(text: str, start: int, limit: int) -> tuple[str, tuple[DateTimeValue, ...]]:
    if text.startswith("*"):
        rest = text[1:]
        if rest.startswith("/"):
            after, repeat = _time_comp(rest[1:], limit)
            if repeat > 0:
                return after, (DateTimeValue(start, None, repeat),)
        return rest, ()
    text, items = _separated_list1(text, ",", _date_time_comp(limit))
    return text, tuple(items)


def _tag(text: str, tag: str) -> str:
    if not text.startswith(tag):
        raise _NomError(text, "Nom(Tag)")
    return text[len(tag) :]


_TimeSpec = tuple[tuple[DateTimeValue, ...], tuple[DateTimeValue, ...], tuple[DateTimeValue, ...]]


def _time_spec(text: str) -> tuple[str, _TimeSpec]:
    """`[hours ":"] minutes [":" seconds]`; hours default to any, seconds to 0."""
    hour: tuple[DateTimeValue, ...] = ()
    with suppress(_NomError):
        rest, hours = _date_time_comp_list(text, 0, 24)
        text, hour = _tag(rest, ":"), hours
    text, minute = _date_time_comp_list(text, 0, 60)
    second = _ZERO
    if text.startswith(":"):
        with suppress(_NomError):
            text, second = _date_time_comp_list(text[1:], 0, 60)
    return text, (hour, minute, second)


def _date_spec(text: str) -> tuple[str, _TimeSpec]:
    """`[years "-"] months "-" days` -> (year, month, day)."""
    try:
        rest, year = _date_time_comp_list(text, 0, 2200)
        rest, month = _date_time_comp_list(_tag(rest, "-"), 1, 13)
        rest, day = _date_time_comp_list(_tag(rest, "-"), 1, 32)
        return rest, (year, month, day)
    except _NomError:
        pass
    try:
        rest, month = _date_time_comp_list(text, 1, 13)
        rest, day = _date_time_comp_list(_tag(rest, "-"), 1, 32)
        return rest, ((), month, day)
    except _NomError:
        pass
    raise _context(text, "invalid date spec")


_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}


def _weekday(text: str) -> tuple[str, int]:
    match = _ALPHA.match(text)
    if match is None:
        raise _NomError(text, "Nom(Alpha)")
    word = match.group()
    number = _WEEKDAYS.get(word.lower())
    if number is None:
        raise _context(word, "weekday")
    return text[len(word) :], number


def _weekday_range(text: str) -> tuple[str, frozenset[int]]:
    """`day` or `day..day`; a range wraps around the week (`fri..mon`)."""
    text, start = _weekday(text)
    if text.startswith(".."):
        try:
            rest, end = _weekday(text[2:])
        except _NomError:
            return text, frozenset({start})
        if start > end:
            return rest, frozenset(range(start, 7)) | frozenset(range(end + 1))
        return rest, frozenset(range(start, end + 1))
    return text, frozenset({start})


def _keyword(
    *,
    minute: bool = False,
    hour: bool = False,
    day: bool = False,
    month: tuple[int, ...] = (),
    weekly: bool = False,
) -> CalendarEvent:
    return CalendarEvent(
        second=_ZERO,
        minute=_ZERO if minute else (),
        hour=_ZERO if hour else (),
        day=_FIRST if day else (),
        month=tuple(DateTimeValue(m) for m in month),
        days=frozenset({0}) if weekly else frozenset(),
    )


_KEYWORDS = {
    "minutely": _keyword(),
    "hourly": _keyword(minute=True),
    "daily": _keyword(minute=True, hour=True),
    "weekly": _keyword(minute=True, hour=True, weekly=True),
    "monthly": _keyword(minute=True, hour=True, day=True),
    "yearly": _keyword(minute=True, hour=True, day=True, month=(1,)),
    "annually": _keyword(minute=True, hour=True, day=True, month=(1,)),
    "quarterly": _keyword(minute=True, hour=True, day=True, month=(1, 4, 7, 10)),
    "semiannually": _keyword(minute=True, hour=True, day=True, month=(1, 7)),
    "semi-annually": _keyword(minute=True, hour=True, day=True, month=(1, 7)),
}

_SPACES = " \t"  # nom's space0


def _parse_incomplete(text: str) -> tuple[str, CalendarEvent]:
    """`parse_calendar_event_incomplete`: returns the unparsed rest and the event."""
    utc = text.endswith("UTC")
    if utc:
        text = text[:-3].rstrip(" ")
    event = CalendarEvent(utc=utc)
    found = False
    if text[:1].isascii() and text[:1].isalpha():
        keyword = _KEYWORDS.get(text)
        if keyword is not None:
            return "", replace(keyword, utc=utc)
        rest, ranges = _separated_list1(text, ",", _weekday_range)
        event = replace(event, days=frozenset().union(*ranges))
        found = True
        text = rest.lstrip(_SPACES)
    try:
        rest, (year, month, day) = _date_spec(text)
    except _NomError:
        pass
    else:
        event = replace(event, year=year, month=month, day=day)
        found = True
        text = rest.lstrip(_SPACES)
    try:
        rest, (hour, minute, second) = _time_spec(text)
    except _NomError:
        event = replace(event, hour=_ZERO, minute=_ZERO, second=_ZERO)
    else:
        event = replace(event, hour=hour, minute=minute, second=second)
        found = True
        text = rest
    if not found:
        raise _context(text, "date or time specification")
    return text, event


def parse_calendar_event(text: str) -> CalendarEvent:
    """Parse a schedule exactly as PBS does (`CalendarEvent::from_str`)."""
    try:
        rest, event = _parse_incomplete(text)
        if rest:
            raise _NomError(rest, "Nom(Eof)")
    except _NomError as err:
        raise CalendarEventError(f"unable to parse calendar event at '{err.rest}' - {err.kind}") from None
    return event


def verify_calendar_event(text: str) -> None:
    """The `VerifyFn` of PBS's schedule schemas."""
    parse_calendar_event(text)


# `schedule` of sync (and gc/prune/verify) jobs.
SCHEDULE_RULE = StringRule("Run sync job at specified schedule.", verify=verify_calendar_event)
