"""Broken-down time editing with libc `mktime`/`timegm` semantics (proxmox-time's `TmEditor`).

PBS computes the next run of a calendar event by editing a `struct tm` (add days, set the hour,
...) and letting `mktime` (local time) or `timegm` (UTC) normalise it after each edit: fields
overflow into the next larger unit, and a local time inside a DST gap moves forward by the
gap. This module gives the same editing operations over three time zones:

* `UTC_ZONE` - pure arithmetic, like `timegm`;
* `LibcLocalZone()` - the process's local zone through Python's `time.mktime`/`time.localtime`,
  i.e. the very libc calls PBS makes;
* `TzinfoZone(tz)` - any `tzinfo` (deterministic in tests). A time in a DST gap is read with
  the offset before the transition (what glibc's `mktime` does with `tm_isdst = -1`); an
  ambiguous time keeps the offset the time had before the edit (glibc starts its search from
  the previous offset), else takes the earlier instant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SECONDS_PER_DAY = 86400


class OutOfRange(Exception):
    """The computation left the range of dates this platform can represent."""


@dataclass(frozen=True)
class BrokenDownTime:
    """Like `struct tm`: month 1-12, weekday 0 = Monday, `offset` = seconds east of UTC."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    weekday: int
    offset: int


def _carry(year: int, month0: int, day: int, hour: int, minute: int, second: int) -> tuple[int, int]:
    """Normalise overflowing fields as `mktime` does: (proleptic ordinal day, second of day)."""
    year += month0 // 12
    month0 %= 12
    try:
        ordinal = date(year, month0 + 1, 1).toordinal() + day - 1
    except ValueError as err:
        raise OutOfRange(str(err)) from None
    extra_days, second_of_day = divmod(hour * 3600 + minute * 60 + second, _SECONDS_PER_DAY)
    return ordinal + extra_days, second_of_day


def _naive(ordinal: int, second_of_day: int) -> datetime:
    try:
        return datetime.fromordinal(ordinal) + timedelta(seconds=second_of_day)
    except (ValueError, OverflowError) as err:
        raise OutOfRange(str(err)) from None


class Zone(Protocol):
    """Converts between epochs and broken-down time in one time zone."""

    def broken_down(self, epoch: int) -> BrokenDownTime: ...

    def to_epoch(self, ordinal: int, second_of_day: int, previous_offset: int) -> int: ...


class UtcZone:
    """UTC: `gmtime`/`timegm` by arithmetic."""

    def broken_down(self, epoch: int) -> BrokenDownTime:
        days, second_of_day = divmod(epoch, _SECONDS_PER_DAY)
        moment = _naive(days + _EPOCH_ORDINAL, second_of_day)
        return BrokenDownTime(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.weekday(),
            0,
        )

    def to_epoch(self, ordinal: int, second_of_day: int, previous_offset: int) -> int:
        return (ordinal - _EPOCH_ORDINAL) * _SECONDS_PER_DAY + second_of_day


UTC_ZONE = UtcZone()


class TzinfoZone:
    """A Python `tzinfo` with glibc's `mktime` choices for DST gaps and overlaps."""

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz

    def broken_down(self, epoch: int) -> BrokenDownTime:
        try:
            moment = datetime.fromtimestamp(epoch, self._tz)
        except (ValueError, OverflowError, OSError) as err:
            raise OutOfRange(str(err)) from None
        offset = moment.utcoffset()
        assert offset is not None
        return BrokenDownTime(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.weekday(),
            int(offset.total_seconds()),
        )

    def to_epoch(self, ordinal: int, second_of_day: int, previous_offset: int) -> int:
        naive = _naive(ordinal, second_of_day)
        as_utc = (ordinal - _EPOCH_ORDINAL) * _SECONDS_PER_DAY + second_of_day
        offsets = []
        for fold in (0, 1):
            offset = naive.replace(tzinfo=self._tz, fold=fold).utcoffset()
            assert offset is not None
            offsets.append(int(offset.total_seconds()))
        earlier, later = offsets
        if earlier != later and later == previous_offset:
            candidate = as_utc - later
            moment = self.broken_down(candidate)
            if (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second) == (
                naive.year,
                naive.month,
                naive.day,
                naive.hour,
                naive.minute,
                naive.second,
            ):
                return candidate  # an ambiguous time: stay on the side we came from
        # unambiguous, or a gap (fold 0 = offset before the transition), or the earlier instant
        return as_utc - earlier


class LibcLocalZone:
    """The process's local time zone through libc's `localtime`/`mktime` (exactly PBS's calls)."""

    def broken_down(self, epoch: int) -> BrokenDownTime:
        try:
            tm = time.localtime(epoch)
        except (ValueError, OverflowError, OSError) as err:
            raise OutOfRange(str(err)) from None
        return BrokenDownTime(
            tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_gmtoff
        )

    def to_epoch(self, ordinal: int, second_of_day: int, previous_offset: int) -> int:
        naive = _naive(ordinal, second_of_day)
        fields = (naive.year, naive.month, naive.day, naive.hour, naive.minute, naive.second, 0, 0, -1)
        try:
            return int(time.mktime(fields))
        except (ValueError, OverflowError, OSError) as err:
            raise OutOfRange(str(err)) from None


class TmEditor:
    """Edit a point in time field by field; every edit re-normalises like `mktime`.

    The methods mirror proxmox-time's `TmEditor`: `add_*` reset all smaller fields to their
    minimum, `set_*` may overflow (hour 24, minute 60) into the next unit.
    """

    def __init__(self, epoch: int, zone: Zone) -> None:
        self._zone = zone
        self.epoch = epoch
        self.tm = zone.broken_down(epoch)

    def _normalise(self, year: int, month0: int, day: int, hour: int, minute: int, second: int) -> None:
        ordinal, second_of_day = _carry(year, month0, day, hour, minute, second)
        self.epoch = self._zone.to_epoch(ordinal, second_of_day, self.tm.offset)
        self.tm = self._zone.broken_down(self.epoch)

    def add_years(self, years: int) -> None:
        if years:
            self._normalise(self.tm.year + years, 0, 1, 0, 0, 0)

    def add_months(self, months: int) -> None:
        if months:
            self._normalise(self.tm.year, self.tm.month - 1 + months, 1, 0, 0, 0)

    def add_days(self, days: int) -> None:
        if days:
            self._normalise(self.tm.year, self.tm.month - 1, self.tm.day + days, 0, 0, 0)

    def set_time(self, hour: int, minute: int, second: int) -> None:
        self._normalise(self.tm.year, self.tm.month - 1, self.tm.day, hour, minute, second)

    def set_min_sec(self, minute: int, second: int) -> None:
        self.set_time(self.tm.hour, minute, second)

    def set_sec(self, second: int) -> None:
        self.set_time(self.tm.hour, self.tm.minute, second)
