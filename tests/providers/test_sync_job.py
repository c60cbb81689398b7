"""SyncJob through the real plugin (tier 1) against the simulator: pull, push and local jobs,
every field set then removed, PBS's normalisation never showing as a diff, the non-deletable
`resyncCorrupt`, status facts, digest races and PBS's reasons in errors."""

from __future__ import annotations

import pytest

from offline_engine.provider_host import ProviderRpcError
from tests.providers.driver import start_plugin

BASE = {"server": "onprem", "store": "store1", "remote": "cloud-a", "remoteStore": "offsite"}
PULL_ALL = {
    **BASE,
    "jobId": "pull-all",
    "syncDirection": "pull",
    "ns": "site/a",
    "remoteNs": "src",
    "owner": "sync@pbs",
    "removeVanished": True,
    "maxDepth": 3,
    "groupFilter": ["include:type:vm", "exclude:group:vm/100", "regex:^ct/"],
    "schedule": "mon..fri 02:30",
    "comment": "pull everything",
    "rateIn": "10MiB",
    "burstIn": "20 MiB",
    "rateOut": "1 GB",
    "burstOut": "2GB",
    "transferLast": 5,
    "resyncCorrupt": True,
    "encryptedOnly": True,
    "verifiedOnly": True,
    "runOnMount": True,
    "unmountOnDone": True,
    "workerThreads": 4,
}
PUSH_ALL = {
    **{k: v for k, v in PULL_ALL.items() if k not in ("resyncCorrupt",)},
    "jobId": "push-all",
    "syncDirection": "push",
    "associatedKey": ["key-old", "key-older"],
}


def live(sim, job_id):
    response = sim.api("GET", f"/config/sync/{job_id}")
    return response.json()["data"] if response.status_code == 200 else None


def required(fields):
    return {k: fields[k] for k in ("server", "jobId", "store", "remote", "remoteStore")}


def test_pull_job_every_field_set_then_removed(stack, onprem):
    assert stack.up("sync", "j", PULL_ALL) == "create"
    job = live(onprem, "pull-all")
    assert job["rate-in"] == "10 MiB" and job["rate-out"] == "1 GB"
    assert job["group-filter"] == ["type:vm", "exclude:group:vm/100", "regex:^ct/"]
    assert job["worker-threads"] == 4 and job["unmount-on-done"] is True
    outs = stack.outputs("j")
    assert outs["groupFilter"] == ["type:vm", "exclude:group:vm/100", "regex:^ct/"]  # as PBS returns it
    assert outs["burstIn"] == "20 MiB" and outs["burstOut"] == "2 GB"
    assert "nextRun" not in outs  # status facts come with a refresh, not with every write
    assert stack.refresh("j") == "update" and "nextRun" in stack.outputs("j")  # from GET /admin/sync
    assert stack.plan("sync", "j", PULL_ALL) == ("same", [])

    minimal = required(PULL_ALL)
    assert stack.up("sync", "j", minimal) == "update"
    # resync-corrupt cannot be deleted: it is reset to false, which means the same as unset
    assert live(onprem, "pull-all") == {
        "id": "pull-all", "store": "store1", "remote": "cloud-a", "remote-store": "offsite",
        "resync-corrupt": False,
    }  # fmt: skip
    assert stack.plan("sync", "j", minimal) == ("same", [])
    assert stack.refresh("j") in ("same", "update")
    assert stack.plan("sync", "j", minimal) == ("same", [])


def test_push_job_every_field_set_then_removed(stack, onprem):
    assert stack.up("sync", "j", PUSH_ALL) == "create"
    job = live(onprem, "push-all")
    assert job["sync-direction"] == "push" and job["associated-key"] == ["key-old", "key-older"]
    assert stack.plan("sync", "j", {**PUSH_ALL, "associatedKey": ["key-older", "key-old"]}) == ("same", [])
    assert stack.refresh("j") == "update"  # the first refresh brings the schedule status only
    assert stack.refresh("j") == "same"
    assert stack.plan("sync", "j", PUSH_ALL) == ("same", [])
    minimal = {**required(PUSH_ALL), "syncDirection": "push"}
    assert stack.up("sync", "j", minimal) == "update"
    assert live(onprem, "push-all") == {
        "id": "push-all", "store": "store1", "remote": "cloud-a", "remote-store": "offsite",
        "sync-direction": "push",
    }  # fmt: skip
    assert stack.plan("sync", "j", minimal) == ("same", [])


def test_local_job_and_switching_kinds(stack, onprem):
    local = {
        "server": "onprem",
        "jobId": "local-1",
        "store": "store1",
        "remoteStore": "store2",
        "schedule": "daily",
    }
    assert stack.up("sync", "j", local) == "create"
    assert "remote" not in live(onprem, "local-1")
    # pull with resyncCorrupt -> push: the reset must go first, PBS refuses it next to push
    pull = {**local, "remote": "cloud-a", "resyncCorrupt": True}
    assert stack.up("sync", "j", pull) == "update"
    assert live(onprem, "local-1")["resync-corrupt"] is True
    push = {**local, "remote": "cloud-a", "syncDirection": "push"}
    assert stack.plan("sync", "j", push) == ("update", [])
    assert stack.up("sync", "j", push) == "update"
    job = live(onprem, "local-1")
    assert job["sync-direction"] == "push" and job.get("resync-corrupt") in (None, False)
    assert stack.plan("sync", "j", push) == ("same", [])
    assert stack.up("sync", "j", local) == "update"  # back to a local pull job
    assert "remote" not in live(onprem, "local-1") and "sync-direction" not in live(onprem, "local-1")


@pytest.mark.parametrize(
    "field,written,equivalent,different",
    [
        ("rateIn", "10MiB", ["10 MiB", "10 mib", "10485760", "10240 KiB"], ["10MB", "11MiB"]),
        (
            "groupFilter",
            ["include:type:vm", "exclude:type:ct"],
            [["exclude:type:ct", "type:vm"]],
            [["type:vm"]],
        ),
        ("ns", "", [None], ["a"]),
        ("comment", "  spaced  ", ["spaced"], ["other"]),
        ("removeVanished", False, [None], [True]),
        ("syncDirection", "pull", [None], ["push"]),
        ("owner", "root@pam", [None], ["sync@pbs"]),
        ("workerThreads", 1, [None, 1.0], [2]),
    ],
)
def test_diff_compares_meanings_not_spellings(stack, field, written, equivalent, different):
    fields = {**BASE, "jobId": "diff-job", field: written}
    stack.up("sync", "j", fields)
    for value in equivalent:
        assert stack.plan("sync", "j", {**fields, field: value}) == ("same", []), value
    for value in different:
        assert stack.plan("sync", "j", {**fields, field: value}) == ("update", []), value
    assert stack.plan("sync", "j", {**fields, "jobId": "diff-job-2"}) == ("replace", ["jobId"])


def test_update_survives_a_concurrent_change_of_sync_cfg(stack, onprem):
    stack.up("sync", "j", {**BASE, "jobId": "race-1"})
    onprem.force_digest_race("sync.cfg")
    assert stack.up("sync", "j", {**BASE, "jobId": "race-1", "comment": "after race"}) == "update"
    assert live(onprem, "race-1")["comment"] == "after race"


def test_pbs_reason_reaches_the_user(stack):
    # PBS checks that encryption keys exist; the simulator has none
    with pytest.raises(ProviderRpcError) as failure:
        stack.up(
            "sync", "j", {**BASE, "jobId": "enc-1", "syncDirection": "push", "activeEncryptionKey": "key-1"}
        )
    assert "cannot create sync job `enc-1` on server `onprem`" in failure.value.details
    assert "no such key or cannot access key 'key-1'" in failure.value.details


def test_pbs_reason_on_update_is_not_mistaken_for_a_vanished_job(stack):
    # PBS answers "no such key ..." (400) when an associated key is not accessible on update
    stack.up("sync", "j", {**BASE, "jobId": "enc-2", "syncDirection": "push"})
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("sync", "j", {**BASE, "jobId": "enc-2", "syncDirection": "push", "associatedKey": ["key-2"]})
    assert "cannot update sync job `enc-2` on server `onprem`" in failure.value.details
    assert "no such key or cannot access key 'key-2'" in failure.value.details
    assert "no longer exists" not in failure.value.details


def test_status_facts_follow_runs_without_causing_diffs(stack, onprem):
    fields = {
        "server": "onprem",
        "jobId": "facts-1",
        "store": "store1",
        "remoteStore": "store2",
        "schedule": "daily",
    }
    stack.up("sync", "j", fields)
    assert stack.refresh("j") == "update"  # the first refresh brings the schedule status
    outs = stack.outputs("j")
    assert outs["nextRun"] > onprem.now() and "lastRunState" not in outs
    upid = onprem.api("POST", "/admin/sync/facts-1/run").json()["data"]
    onprem.simulator.backend.tasks.wait(upid, timeout=30)
    # the next `pulumi refresh` is a new deployment, so a new plugin process (whose status listing
    # is not the one read before the run)
    first_plugin, stack.host = stack.host, start_plugin(onprem=onprem, mirror=onprem)
    try:
        assert stack.refresh("j") == "update"  # the facts changed...
    finally:
        stack.host.stop()
        stack.host = first_plugin
    outs = stack.outputs("j")
    assert (
        outs["lastRunUpid"] == upid and outs["lastRunState"] and outs["lastRunEndtime"] >= onprem.now() - 60
    )
    assert stack.plan("sync", "j", fields) == ("same", [])  # ...but they are not inputs
