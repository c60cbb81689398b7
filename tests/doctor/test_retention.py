"""The doctor's retention check on the classic stack and two simulators: which prune and verify jobs
cover a job's target (declared, live, PBS's scope with max-depth, jobs that do not run), whether a
prune keeps what `transferLast` brings in (PBS's selection on the source's snapshots), and whether the
stack's login may create the jobs it declares.

push-cloud writes to `offsite` (root) on cloud; pull-templates writes to `store1` (root) on onprem,
takes `type:ct` groups from `offsite` on cloud and `transferLast: 3`.
"""

from __future__ import annotations

from typing import Any

import pytest

from pbs_provider.doctor import Report, run_doctor
from tests.run.support import dev_stack, dev_world, loaded

DAY = 86400


@pytest.fixture
def world(pbs_sim_factory):
    return dev_world(pbs_sim_factory)


def doctor(world, tmp_path, **config: Any) -> Report:
    """The doctor on the classic stack with `config` (nothing deployed: declared jobs count as they are)."""
    return run_doctor(loaded(dev_stack(world, tmp_path, **config)), probe_timeout=2)


def found(report: Report, check: str, subject: str) -> list:
    return [f for f in report.findings if f.check == check and f.subject == f"job {subject}"]


def warned(report: Report, check: str, subject: str) -> list:
    return [f for f in found(report, check, subject) if f.level == "warning"]


def prune(server: str, store: str, **settings: Any) -> dict[str, Any]:
    return {"server": server, "store": store, "schedule": "daily", **settings}


def verify(server: str, store: str, **settings: Any) -> dict[str, Any]:
    return {"server": server, "store": store, "schedule": "sat 03:00", **settings}


def test_a_target_no_job_covers_is_one_warning_on_the_job_entry(world, tmp_path):
    report = doctor(world, tmp_path)
    [push] = warned(report, "retention", "push-cloud")
    assert push.key == "syncJobs.push-cloud"
    assert "no prune job and no verify job covers the target `offsite` on `cloud`" in push.what
    assert "add a `pruneJobs` and a `verifyJobs` entry for server `cloud`, store `offsite`" in push.fix
    [pull] = warned(report, "retention", "pull-templates")
    assert pull.key == "syncJobs.pull-templates" and "`store1` on `onprem`" in pull.what
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1


def test_a_prune_job_or_a_verify_job_alone_covers_the_target(world, tmp_path):
    report = doctor(
        world,
        tmp_path,
        pruneJobs={"offsite": prune("cloud", "offsite", keepLast=7)},
        verifyJobs={"store1": verify("onprem", "store1")},
    )
    assert warned(report, "retention", "push-cloud") == warned(report, "retention", "pull-templates") == []
    [push] = found(report, "retention", "push-cloud")
    assert (
        push.what
        == "the target `offsite` on `cloud` is looked after by prune job `offsite` (`pruneJobs.offsite`)"
    )


@pytest.mark.parametrize(
    ("ns", "max_depth", "covers"),
    [
        ("onprem", None, True),  # unset: every level below
        ("onprem", 1, True),  # onprem/site-a is one level below onprem
        ("onprem", 0, False),  # onprem only
        ("onprem/site-a", 0, True),
        ("", 1, False),  # the root and one level: onprem/site-a is two
        ("", 2, True),
        ("onprem/site", None, False),  # a namespace whose name is a prefix is not an ancestor
        ("other", None, False),
    ],
)
def test_a_job_covers_namespaces_below_its_own_down_to_its_max_depth(world, tmp_path, ns, max_depth, covers):
    push = {**dev_stack(world, tmp_path).overrides["syncJobs"]["push-cloud"], "remoteNs": "onprem/site-a"}
    settings = {"ns": ns} if ns else {}
    if max_depth is not None:
        settings["maxDepth"] = max_depth
    report = doctor(
        world,
        tmp_path,
        syncJobs={"push-cloud": push},
        verifyJobs={"offsite": verify("cloud", "offsite", **settings)},
    )
    assert (warned(report, "retention", "push-cloud") == []) is covers, "\n".join(report.lines(verbose=True))


def test_jobs_that_do_not_run_by_themselves_do_not_count(world, tmp_path):
    report = doctor(
        world,
        tmp_path,
        pruneJobs={
            "off": prune("cloud", "offsite", keepLast=3, disable=True),
            "keep-all": prune("cloud", "offsite"),
        },
        verifyJobs={"by-hand": {"server": "cloud", "store": "offsite"}},
    )
    [push] = warned(report, "retention", "push-cloud")
    assert "prune job `off` (`pruneJobs.off`) is disabled" in push.what
    assert (
        "prune job `keep-all` (`pruneJobs.keep-all`) has no keep option (PBS then keeps every snapshot)"
        in push.what
    )
    assert "verify job `by-hand` (`verifyJobs.by-hand`) has no schedule" in push.what


def test_a_job_only_on_the_live_server_counts_until_it_is_disabled(world, tmp_path):
    cloud = world.cloud
    job = {"id": "by-hand", "store": "offsite", "schedule": "daily", "keep-last": 5}
    cloud.api("POST", "/config/prune", json=job).raise_for_status()
    report = doctor(world, tmp_path)
    assert warned(report, "retention", "push-cloud") == []
    [push] = found(report, "retention", "push-cloud")
    assert "prune job `by-hand` (on the server, not in the stack)" in push.what

    cloud.api("PUT", "/config/prune/by-hand", json={"disable": True}).raise_for_status()
    [push] = warned(doctor(world, tmp_path), "retention", "push-cloud")
    assert "prune job `by-hand` (on the server, not in the stack) is disabled" in push.what


def test_a_declared_job_replaces_the_live_one_of_the_same_id(world, tmp_path):
    job = {"id": "nightly", "store": "offsite", "schedule": "daily", "keep-last": 5}
    world.cloud.api("POST", "/config/prune", json=job).raise_for_status()
    report = doctor(
        world, tmp_path, pruneJobs={"nightly": prune("cloud", "offsite", keepLast=5, disable=True)}
    )
    [push] = warned(report, "retention", "push-cloud")  # after `up`, the live job is disabled too
    assert "prune job `nightly` (`pruneJobs.nightly`) is disabled" in push.what


# --- a prune that deletes what the pull has just brought in (pull-templates: transferLast 3) ---------


def pull_target(**keep: int) -> dict[str, Any]:
    """A prune job on the pull's target with `keep`, and a verify job (so coverage is not the question)."""
    return {
        "pruneJobs": {"store1": prune("onprem", "store1", **keep)},
        "verifyJobs": {"store1": verify("onprem", "store1")},
    }


def test_keep_last_at_least_transfer_last_is_always_enough(world, tmp_path):
    world.cloud.seed_content({"offsite": [{"group": "ct/300", "snapshots": {"count": 5, "every": 60}}]})
    report = doctor(world, tmp_path, **pull_target(keepLast=3))
    assert warned(report, "prune", "pull-templates") == []
    [ok] = found(report, "prune", "pull-templates")
    assert "keeps the last 3, the job transfers 3 per group and run" in ok.what


def test_the_selection_runs_on_the_newest_transferred_snapshots_of_each_source_group(world, tmp_path):
    # ct/300 daily: keep-last 1 + keep-daily 7 keeps the newest 3; vm/900 hourly would lose two, but the
    # pull takes only `type:ct`
    world.cloud.seed_content(
        {
            "offsite": [
                {"group": "ct/300", "snapshots": {"count": 5, "every": DAY}},
                {"group": "vm/900", "snapshots": {"count": 5, "every": 3600}},
            ]
        }
    )
    report = doctor(world, tmp_path, **pull_target(keepLast=1, keepDaily=7))
    assert warned(report, "prune", "pull-templates") == []
    [ok] = found(report, "prune", "pull-templates")
    assert "keeps the newest 3 snapshots of each group the job takes" in ok.what


def test_snapshots_within_one_period_are_pruned_right_after_the_pull(world, tmp_path):
    world.cloud.seed_content(
        {
            "offsite": [
                {"group": "ct/300", "snapshots": {"count": 5, "every": 3600}},
                {"group": "ct/301", "snapshots": {"count": 3, "every": DAY}},
            ]
        }
    )
    report = doctor(world, tmp_path, **pull_target(keepLast=1, keepDaily=7))
    [finding] = warned(report, "prune", "pull-templates")
    assert finding.key == "pruneJobs.store1.keepLast"
    assert finding.what == (
        "prune job `store1` (`pruneJobs.store1`) (keep-last 1, keep-daily 7) would remove some of the "
        "newest 3 snapshots per group that the job transfers per run (`transferLast`): ct/300 (2); the job "
        "copies what the prune then deletes"
    )
    assert finding.fix == "keep at least `keepLast: 3` in the prune job, or lower the job's `transferLast`"


@pytest.mark.parametrize(
    ("keep", "warns"),
    [
        ({"keepLast": 1}, True),
        ({"keepLast": 1, "keepDaily": 1}, True),
        ({"keepLast": 1, "keepDaily": 7}, False),
    ],
)
def test_without_source_snapshots_only_a_prune_keeping_too_few_in_all_is_reported(
    world, tmp_path, keep, warns
):
    report = doctor(world, tmp_path, **pull_target(**keep))
    findings = found(report, "prune", "pull-templates")
    assert [f.level for f in findings] == (["warning"] if warns else ["ok"])
    if warns:
        assert f"keeps at most {sum(keep.values())} snapshots per group, fewer than the 3" in findings[0].what
    else:
        assert "what it keeps depends on the backup times" in findings[0].what


def test_a_prune_without_keep_options_keeps_everything(world, tmp_path):
    world.cloud.seed_content({"offsite": [{"group": "ct/300", "snapshots": {"count": 5, "every": 60}}]})
    report = doctor(world, tmp_path, **pull_target())
    assert found(report, "prune", "pull-templates") == []  # PBS keeps every snapshot: nothing to compare
    assert warned(report, "retention", "pull-templates") == []  # the verify job covers it


# --- the stack's login and the jobs it declares ---------------------------------------------------


def test_a_login_that_may_not_create_the_declared_jobs(world, tmp_path):
    cloud = world.cloud
    cloud.api("POST", "/access/users", json={"userid": "ops@pbs"}).raise_for_status()
    secret = cloud.api("POST", "/access/users/ops@pbs/token/ro").json()["data"]["value"]
    for who in ("ops@pbs", "ops@pbs!ro"):
        cloud.api(
            "PUT", "/access/acl", json={"path": "/", "role": "Audit", "auth-id": who}
        ).raise_for_status()
    run = dev_stack(
        world,
        tmp_path,
        pruneJobs={"offsite": prune("cloud", "offsite", ns="onprem", keepLast=3)},
        verifyJobs={"offsite": verify("cloud", "offsite")},
    )
    servers = dict(run.overrides["servers"])
    servers["cloud"] = {**servers["cloud"], "authId": "ops@pbs!ro"}
    run.set(servers=servers, serverSecrets={**run.secrets["serverSecrets"], "cloud": secret})
    push = {**run.overrides["syncJobs"]["push-cloud"], "remoteNs": "onprem"}
    run.set(syncJobs={"push-cloud": push})
    report = run_doctor(loaded(run), probe_timeout=2)
    denied = [f for f in found(report, "deployer", "push-cloud") if f.level == "error"]
    assert {f.key for f in denied} == {"servers.cloud.authId"}
    login = "the stack's login `ops@pbs!ro` lacks"
    assert sorted(f.what.split(", needed")[0] for f in denied) == [
        f"{login} Datastore.Modify on /datastore/offsite/onprem on server `cloud`",
        f"{login} Datastore.Verify on /datastore/offsite on server `cloud`",
    ]
    assert any("needed to create and change prune job `offsite`" in f.what for f in denied)
