"""Which snapshots a prune keeps: PBS's keep options and its selection, as pure functions.

A port of `compute_prune_info` in proxmox-backup `pbs-datastore/src/prune.rs` (PBS 4.2) with the
keep options of `KeepOptions` in pbs-api-types `src/jobs.rs`:
- snapshots are taken newest first; an unfinished snapshot (no manifest) newer than every finished
  one is kept as `keep-partial`, every other unfinished one is removed;
- `keep-last`, `-hourly`, `-daily`, `-weekly`, `-monthly`, `-yearly` are applied in that order; each
  keeps the newest snapshot of each of its newest N periods (local time: `%Y/%m/%d/%H`, `%Y/%m/%d`,
  ISO `%G/%V`, `%Y/%m`, `%Y`), skipping periods an earlier option already covered, and only looks
  at snapshots no earlier option marked;
- protected snapshots are never removed;
- with no keep option set at all, a prune job keeps everything (`keeps_something`, and the
  "No prune selection - keeping all files." path of `src/server/prune_job.rs`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from enum import Enum


class PruneMark(Enum):
    """What a prune does with one snapshot (PBS's `PruneMark`, printed as PBS prints it)."""

    PROTECTED = "protected"
    KEEP = "keep"
    KEEP_PARTIAL = "keep-partial"
    REMOVE = "remove"

    @property
    def keep(self) -> bool:
        return self is not PruneMark.REMOVE


@dataclass(frozen=True)
class KeepOptions:
    """The keep-* options (each ≥ 1 when set; `None` = not set), in the order PBS applies them."""

    keep_last: int | None = None
    keep_hourly: int | None = None
    keep_daily: int | None = None
    keep_weekly: int | None = None
    keep_monthly: int | None = None
    keep_yearly: int | None = None

    def keeps_something(self) -> bool:
        """PBS's `KeepOptions::keeps_something`: any option set above 0."""
        return sum(getattr(self, f.name) or 0 for f in fields(self)) > 0

    @classmethod
    def from_pbs(cls, config: dict[str, object]) -> KeepOptions:
        """From PBS's kebab-case keys (`keep-last`, …), ignoring every other key."""
        return cls(**{f.name: config.get(f.name.replace("_", "-")) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Snapshot:
    """What the selection needs of one snapshot: its time (UTC epoch), finished or not, protected."""

    backup_time: int
    finished: bool = True
    protected: bool = False


# The period of each keep option, as the strftime pattern PBS formats the snapshot's local time with.
_PERIODS: tuple[tuple[str, str | None], ...] = (
    ("keep_last", None),  # every snapshot is its own period (the backup time string)
    ("keep_hourly", "%Y/%m/%d/%H"),
    ("keep_daily", "%Y/%m/%d"),
    ("keep_weekly", "%G/%V"),
    ("keep_monthly", "%Y/%m"),
    ("keep_yearly", "%Y"),
)


def _mark_selections(
    marks: dict[int, PruneMark],
    snapshots: Sequence[Snapshot],
    keep: int,
    period_of: Callable[[Snapshot], str],
) -> None:
    """`mark_selections`: keep the newest snapshot of each of the newest `keep` uncovered periods."""
    already_included = {period_of(s) for i, s in enumerate(snapshots) if marks.get(i) is PruneMark.KEEP}
    included: set[str] = set()
    for index, snapshot in enumerate(snapshots):
        if index in marks:
            continue
        if snapshot.protected:
            marks[index] = PruneMark.PROTECTED
            continue
        period = period_of(snapshot)
        if period in already_included:
            continue
        if period not in included:
            if len(included) >= keep:
                break
            included.add(period)
            marks[index] = PruneMark.KEEP
        else:
            marks[index] = PruneMark.REMOVE


def _mark_incomplete(marks: dict[int, PruneMark], snapshots: Sequence[Snapshot]) -> None:
    """`remove_incomplete_snapshots`: keep an unfinished snapshot only if it is the newest of all."""
    keep_unfinished = True
    for index, snapshot in enumerate(snapshots):
        if snapshot.finished:
            keep_unfinished = False
        else:
            marks[index] = PruneMark.KEEP_PARTIAL if keep_unfinished else PruneMark.REMOVE
            keep_unfinished = False


def compute_prune_info(
    snapshots: Sequence[Snapshot], options: KeepOptions, tz: dt.tzinfo | None = dt.UTC
) -> list[tuple[Snapshot, PruneMark]]:
    """Each snapshot of one backup group with its mark, newest first (as PBS returns them).

    `tz` is the server's local time zone (PBS formats the periods with `strftime_local`); None is
    this host's local time (the `TZ` the process runs with, as for PBS itself). With no
    keep option set every unprotected snapshot is marked `remove`, as in PBS: callers that run a
    prune job must keep everything in that case (see `KeepOptions.keeps_something`).
    """
    ordered = sorted(snapshots, key=lambda s: s.backup_time, reverse=True)
    marks: dict[int, PruneMark] = {}
    _mark_incomplete(marks, ordered)
    for name, pattern in _PERIODS:
        keep = getattr(options, name)
        if keep is None:
            continue
        if pattern is None:
            period_of: Callable[[Snapshot], str] = lambda s: str(s.backup_time)  # noqa: E731
        else:
            period_of = _period(pattern, tz)
        _mark_selections(marks, ordered, keep, period_of)
    return [
        (s, PruneMark.PROTECTED if s.protected else marks.get(i, PruneMark.REMOVE))
        for i, s in enumerate(ordered)
    ]


def _period(pattern: str, tz: dt.tzinfo | None) -> Callable[[Snapshot], str]:
    def period_of(snapshot: Snapshot) -> str:
        return dt.datetime.fromtimestamp(snapshot.backup_time, tz).strftime(pattern)

    return period_of
