"""Any number of resources per program: `serialize_provider`'s leftovers on the pickler are undone."""

from __future__ import annotations

import pickle

from pulumi.dynamic.dynamic import serialize_provider

from pbs_provider.resources.resource import pickler_restored
from pbs_provider.resources.sync_job import SyncJobProvider


def test_pulumi_leaves_a_wrapper_per_call_and_pickler_restored_undoes_it():
    original = vars(pickle._Pickler)["_batch_setitems"]
    try:
        serialize_provider(SyncJobProvider())
        assert vars(pickle._Pickler)["_batch_setitems"] is not original  # the SDK's leftover
    finally:
        pickle._Pickler._batch_setitems = original
    with pickler_restored():
        serialize_provider(SyncJobProvider())
    assert vars(pickle._Pickler)["_batch_setitems"] is original


def test_two_thousand_providers_serialize_identically():
    first = None
    for _ in range(2000):  # without the restore, pulumi 3.272 hits RecursionError near the 986th
        with pickler_restored():
            blob = serialize_provider(SyncJobProvider())
        first = first or blob
        assert blob == first
