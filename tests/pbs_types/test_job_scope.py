"""`pbs_types.job_scope`: a job read from a resource's inputs (camelCase) and from PBS's config
(kebab-case) is the same job; what makes a job idle."""

from __future__ import annotations

import pytest

from pbs_types.job_scope import PRUNE, VERIFY, datastore_job, describe_keep, most_kept


def test_both_spellings_read_the_same_job():
    camel = {
        "jobId": "j",
        "store": "s",
        "ns": "a",
        "maxDepth": 1,
        "keepLast": 2,
        "keepDaily": 7,
        "schedule": "daily",
    }
    kebab = {
        "id": "j",
        "store": "s",
        "ns": "a",
        "max-depth": 1,
        "keep-last": 2,
        "keep-daily": 7,
        "schedule": "daily",
    }
    assert datastore_job(PRUNE, camel) == datastore_job(PRUNE, kebab)
    job = datastore_job(PRUNE, kebab)
    assert job.runs and describe_keep(job.keep) == "keep-last 2, keep-daily 7" and most_kept(job.keep) == 9


@pytest.mark.parametrize(
    ("kind", "settings", "idle"),
    [
        (PRUNE, {"schedule": "daily", "keep-last": 1, "disable": True}, "is disabled"),
        (PRUNE, {"schedule": "daily", "keepLast": 1, "disable": False}, None),
        (PRUNE, {"schedule": "daily"}, "has no keep option (PBS then keeps every snapshot)"),
        (VERIFY, {}, "has no schedule (it runs only when started by hand)"),
        (VERIFY, {"schedule": "daily", "disable": True}, None),  # a verify job has no `disable`
    ],
)
def test_what_makes_a_job_idle(kind, settings, idle):
    assert datastore_job(kind, {"id": "j", "store": "s", **settings}).idle == idle


def test_scope_is_the_anchor_and_levels_below_it_in_one_datastore():
    scope = datastore_job(VERIFY, {"store": "s", "ns": "a/b", "max-depth": 1, "schedule": "daily"}).scope
    assert [scope.reaches("s", ns) for ns in ("a/b", "a/b/c", "a/b/c/d", "a", "a/bc", "")] == [
        True, True, False, False, False, False,
    ]  # fmt: skip
    assert not scope.reaches("other", "a/b")


def test_numbers_read_from_a_protobuf_struct_are_whole_floats():
    """A policy pack sees every number as a float: `keepLast: 3.0` keeps, `maxDepth: 0.0` stops."""
    job = datastore_job(PRUNE, {"jobId": "j", "store": "s", "ns": "a", "maxDepth": 0.0, "keepLast": 3.0})
    assert job.runs and job.keep.keep_last == 3
    assert job.scope.reaches("s", "a") and not job.scope.reaches("s", "a/b")
