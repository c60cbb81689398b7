"""No perpetual diffs: for generated valid configs, `up` then `preview` shows only `same`, also
after `refresh` and after an in-place update — through the real plugin and the simulator, which
normalises values the way PBS does (HumanByte spellings, `include:` filters, trimmed comments,
the root namespace, defaults). All cases share one plugin process to stay fast."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .driver import Stack

_ids = itertools.count()

safe_ids = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{2,20}", fullmatch=True)
namespaces = st.lists(st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,6}", fullmatch=True), max_size=3).map(
    "/".join
)
numbers = st.integers(0, 5000).map(str) | st.decimals(0, 1000, places=6, allow_nan=False).map(str)
units = st.sampled_from(
    ["", "B", "b", "K", "KB", "k", "KiB", "kib", "M", "MB", "mb", "MiB", "Mi", "G", "GiB", "T"]
)
byte_sizes = st.builds(lambda n, space, unit: f"{n}{space}{unit}", numbers, st.sampled_from(["", " "]), units)
filters = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(["", "include:", "exclude:"]),
    st.sampled_from(
        ["type:vm", "type:ct", "type:host", "group:vm/100", "group:ct/web-1", r"regex:^vm/1\d\d$"]
    ),
)
schedules = st.sampled_from(
    ["daily", "hourly", "weekly", "*:0/15", "mon..fri 02:30", "sat *-1..7 15:00", "Mon..Fri 8..17,22:0/15",
     "daily UTC", "*-*-01 04:00", "12/2:5"]
)  # fmt: skip
comments = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_categories=("Cc",)), max_size=128
)
owners = st.sampled_from(["root@pam", "sync@pbs", "sync@pbs!tok", "admin@pve"])
stores = st.sampled_from(["store1", "store2", "offsite"])


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


@st.composite
def sync_jobs(draw: st.DrawFn) -> dict:
    """Valid jobs without encryption keys: PBS checks that keys exist, the simulator has none
    (`associatedKey` on push jobs is covered by test_sync_job.py)."""
    direction = draw(st.sampled_from([None, "pull", "push"]))
    remote = draw(safe_ids) if direction == "push" else draw(optional(safe_ids))
    store = draw(stores)
    remote_store = draw(stores.filter(lambda s: remote is not None or s != store))
    ns, remote_ns = draw(optional(namespaces)), draw(optional(namespaces))
    depth = max(len(n.split("/")) if n else 0 for n in (ns, remote_ns))
    run_on_mount = draw(optional(st.booleans()))
    max_depth = draw(optional(st.integers(0, 7 - depth)))
    fields = {
        "server": "onprem", "store": store, "remote": remote, "remoteStore": remote_store,
        "syncDirection": direction, "ns": ns, "remoteNs": remote_ns, "owner": draw(optional(owners)),
        "removeVanished": draw(optional(st.booleans())), "maxDepth": max_depth,
        "groupFilter": draw(optional(st.lists(filters, max_size=4))), "schedule": draw(optional(schedules)),
        "comment": draw(optional(comments)), "rateIn": draw(optional(byte_sizes)),
        "burstIn": draw(optional(byte_sizes)), "rateOut": draw(optional(byte_sizes)),
        "burstOut": draw(optional(byte_sizes)), "transferLast": draw(optional(st.integers(1, 10**6))),
        "resyncCorrupt": None if direction == "push" else draw(optional(st.booleans())),
        "encryptedOnly": draw(optional(st.booleans())), "verifiedOnly": draw(optional(st.booleans())),
        "runOnMount": run_on_mount,
        "unmountOnDone": draw(optional(st.booleans())) if run_on_mount else None,
        "workerThreads": draw(optional(st.integers(1, 32))),
    }  # fmt: skip
    return {k: v for k, v in fields.items() if v is not None}


hosts = st.sampled_from(
    ["pbs.example.com", "10.0.0.7", "fe80::1", "2001:db8::42", "backup-1.internal", "Pbs.Example"]
)
fingerprints = st.lists(st.sampled_from("0123456789abcdefABCDEF"), min_size=64, max_size=64).map(
    lambda c: ":".join("".join(c[i : i + 2]) for i in range(0, 64, 2))
)


@st.composite
def remotes(draw: st.DrawFn) -> dict:
    fields = {
        "server": "onprem", "host": draw(hosts), "port": draw(optional(st.integers(0, 65535))),
        "authId": draw(owners), "password": draw(st.text(st.characters(min_codepoint=33, max_codepoint=126),
                                                         min_size=1, max_size=40)),
        "fingerprint": draw(optional(fingerprints)), "comment": draw(optional(comments)),
        "useNodeProxy": draw(optional(st.booleans())),
    }  # fmt: skip
    return {k: v for k, v in fields.items() if v is not None}


STATUS_FACTS = {"nextRun", "lastRunState", "lastRunUpid", "lastRunEndtime"}


def assert_converged(stack: Stack, kind: str, fields: dict) -> None:
    assert stack.plan(kind, "x", fields) == ("same", []), stack.outputs("x")
    before = stack.outputs("x")
    stack.refresh("x")
    after = stack.outputs("x")
    # a first refresh may only bring the job's schedule status (read from GET /admin/sync)
    assert {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} <= STATUS_FACTS
    assert stack.refresh("x") == "same"
    assert stack.plan(kind, "x", fields) == ("same", []), stack.outputs("x")


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(first=sync_jobs(), second=sync_jobs())
def test_sync_jobs_converge(plugin, first, second):
    stack = Stack(plugin)
    job_id = f"gen-{next(_ids)}"
    try:
        assert stack.up("sync", "x", {**first, "jobId": job_id}) == "create"
        assert_converged(stack, "sync", {**first, "jobId": job_id})
        assert stack.up("sync", "x", {**second, "jobId": job_id}) in ("update", "same")
        assert_converged(stack, "sync", {**second, "jobId": job_id})
    finally:
        for name in list(stack.resources):
            stack.destroy(name)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=remotes(), second=remotes())
def test_remotes_converge(plugin, first, second):
    stack = Stack(plugin)
    name = f"gen-{next(_ids)}"
    try:
        assert stack.up("remote", "x", {**first, "name": name}) == "create"
        assert_converged(stack, "remote", {**first, "name": name})
        assert stack.up("remote", "x", {**second, "name": name}) in ("update", "same")
        assert_converged(stack, "remote", {**second, "name": name})
    finally:
        for key in list(stack.resources):
            stack.destroy(key)
