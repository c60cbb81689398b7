"""Prune selection against PBS's own worked examples (proxmox-backup `tests/prune.rs`, PBS 4.2).

Each case is one assertion of that file: the snapshot list, the keep options, whether the expected
list is of kept (`True`) or removed (`False`) snapshots, oldest first as `get_prune_list` returns it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pbs_types.prune import KeepOptions, PruneMark, Snapshot, compute_prune_info


def ts(text: str) -> int:
    return int(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp())


def text(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def prune_list(snapshots: list[Snapshot], return_kept: bool, options: KeepOptions) -> list[str]:
    info = list(reversed(compute_prune_info(snapshots, options)))
    return [text(s.backup_time) for s, mark in info if mark.keep == return_kept]


def snaps(*times: str) -> list[Snapshot]:
    return [Snapshot(ts(t)) for t in times]


SIMPLE = snaps("2019-12-02T11:59:15Z", "2019-12-03T11:59:15Z", "2019-12-04T11:59:15Z", "2019-12-04T12:59:15Z")
SIMPLE2 = snaps(
    "2018-11-15T11:59:15Z",
    "2019-11-15T11:59:15Z",
    "2019-11-21T11:59:15Z",
    "2019-11-22T11:59:15Z",
    "2019-11-29T11:59:15Z",
    "2019-12-01T11:59:15Z",
    "2019-12-02T11:59:15Z",
    "2019-12-03T11:59:15Z",
    "2019-12-04T11:59:15Z",
)
HOURLY = snaps(
    "2019-11-15T09:39:15Z",
    "2019-11-15T10:49:15Z",
    "2019-11-15T10:59:15Z",
    "2019-11-15T11:39:15Z",
    "2019-11-15T11:49:15Z",
    "2019-11-15T11:59:15Z",
)
PROTECTED = [
    Snapshot(ts("2019-11-15T09:39:15Z"), protected=True),
    Snapshot(ts("2019-11-15T10:39:15Z")),
    Snapshot(ts("2019-11-15T10:49:15Z")),
    Snapshot(ts("2019-11-15T10:59:15Z"), protected=True),
]
D2, D3, D4, D4B = (s.backup_time for s in SIMPLE)

CASES = [
    # test_prune_protected
    (PROTECTED, False, KeepOptions(keep_last=1), ["2019-11-15T10:39:15Z"]),
    (PROTECTED, False, KeepOptions(keep_hourly=1), ["2019-11-15T10:39:15Z"]),
    # test_prune_hourly
    (
        HOURLY,
        False,
        KeepOptions(keep_hourly=3),
        ["2019-11-15T10:49:15Z", "2019-11-15T11:39:15Z", "2019-11-15T11:49:15Z"],
    ),
    (HOURLY, True, KeepOptions(keep_hourly=2), ["2019-11-15T10:59:15Z", "2019-11-15T11:59:15Z"]),
    # test_prune_simple2
    (SIMPLE2, True, KeepOptions(keep_daily=1), ["2019-12-04T11:59:15Z"]),
    (SIMPLE2, True, KeepOptions(keep_last=1, keep_daily=1), ["2019-12-03T11:59:15Z", "2019-12-04T11:59:15Z"]),
    (
        SIMPLE2,
        True,
        KeepOptions(keep_daily=1, keep_weekly=1),
        ["2019-12-01T11:59:15Z", "2019-12-04T11:59:15Z"],
    ),
    (
        SIMPLE2,
        True,
        KeepOptions(keep_daily=1, keep_weekly=1, keep_monthly=1),
        ["2019-11-22T11:59:15Z", "2019-12-01T11:59:15Z", "2019-12-04T11:59:15Z"],
    ),
    (
        SIMPLE2,
        True,
        KeepOptions(keep_monthly=1, keep_yearly=1),
        ["2018-11-15T11:59:15Z", "2019-12-04T11:59:15Z"],
    ),
    # test_prune_simple
    (SIMPLE, False, KeepOptions(keep_last=4), []),
    (SIMPLE, False, KeepOptions(keep_last=3), ["2019-12-02T11:59:15Z"]),
    (SIMPLE, False, KeepOptions(keep_last=2), ["2019-12-02T11:59:15Z", "2019-12-03T11:59:15Z"]),
    (
        SIMPLE,
        False,
        KeepOptions(keep_last=1),
        ["2019-12-02T11:59:15Z", "2019-12-03T11:59:15Z", "2019-12-04T11:59:15Z"],
    ),
    (SIMPLE, False, KeepOptions(keep_last=0), [text(t) for t in (D2, D3, D4, D4B)]),
    (SIMPLE, False, KeepOptions(keep_last=2, keep_daily=2), []),
    (SIMPLE, False, KeepOptions(keep_daily=3), ["2019-12-04T11:59:15Z"]),
    (SIMPLE, False, KeepOptions(keep_daily=2), ["2019-12-02T11:59:15Z", "2019-12-04T11:59:15Z"]),
    (SIMPLE, False, KeepOptions(keep_weekly=5), [text(t) for t in (D2, D3, D4)]),
    (SIMPLE, False, KeepOptions(keep_daily=1, keep_weekly=5), [text(t) for t in (D2, D3, D4)]),
    (SIMPLE, False, KeepOptions(keep_monthly=6), [text(t) for t in (D2, D3, D4)]),
    (SIMPLE, False, KeepOptions(keep_yearly=7), [text(t) for t in (D2, D3, D4)]),
    (
        SIMPLE,
        False,
        KeepOptions(keep_weekly=5, keep_monthly=6, keep_yearly=7),
        [text(t) for t in (D2, D3, D4)],
    ),
]


@pytest.mark.parametrize(("snapshots", "return_kept", "options", "expected"), CASES)
def test_prune_rs_cases(
    snapshots: list[Snapshot], return_kept: bool, options: KeepOptions, expected: list[str]
) -> None:
    assert prune_list(snapshots, return_kept, options) == expected


def test_unfinished_newest_is_kept_partial_older_ones_removed() -> None:
    # remove_incomplete_snapshots: only an unfinished snapshot newer than every finished one stays
    history = [
        Snapshot(ts("2019-12-01T10:00:00Z"), finished=False),
        Snapshot(ts("2019-12-02T10:00:00Z")),
        Snapshot(ts("2019-12-03T10:00:00Z"), finished=False),
    ]
    marks = {text(s.backup_time): m for s, m in compute_prune_info(history, KeepOptions(keep_last=5))}
    assert marks == {
        "2019-12-03T10:00:00Z": PruneMark.KEEP_PARTIAL,
        "2019-12-02T10:00:00Z": PruneMark.KEEP,
        "2019-12-01T10:00:00Z": PruneMark.REMOVE,
    }


def test_weeks_are_iso_weeks_across_the_year_end() -> None:
    # 2019-12-30 (Mon) and 2020-01-02 (Thu) are both in ISO week 2020/01: one weekly period
    history = snaps("2019-12-29T12:00:00Z", "2019-12-30T12:00:00Z", "2020-01-02T12:00:00Z")
    assert prune_list(history, True, KeepOptions(keep_weekly=2)) == [
        "2019-12-29T12:00:00Z",
        "2020-01-02T12:00:00Z",
    ]


def test_periods_use_the_server_time_zone() -> None:
    # 23:30 and 00:30 UTC are two UTC days but one day at UTC+2
    history = snaps("2019-12-01T23:30:00Z", "2019-12-02T00:30:00Z")
    assert len(prune_list(history, True, KeepOptions(keep_daily=5))) == 2
    plus2 = dt.timezone(dt.timedelta(hours=2))
    kept = [
        text(s.backup_time)
        for s, m in compute_prune_info(history, KeepOptions(keep_daily=5), plus2)
        if m.keep
    ]
    assert kept == ["2019-12-02T00:30:00Z"]


def test_keeps_something() -> None:
    assert not KeepOptions().keeps_something()
    assert KeepOptions(keep_yearly=1).keeps_something()
    assert KeepOptions.from_pbs({"keep-daily": 7, "store": "x"}) == KeepOptions(keep_daily=7)
