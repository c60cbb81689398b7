"""Replication that provably works: content seeded on one simulator, the dev stack `up` through the mini
engine, the doctor clean beforehand, the push and pull jobs run now through the CLI, and exactly the
expected snapshots arrive (group filter, transfer-last, namespaces, remove-vanished)."""

from __future__ import annotations

import pytest

from pbs_provider.__main__ import main
from pbs_provider.doctor import run_doctor
from tests.run.support import PASSPHRASE, RETENTION, dev_stack, dev_world, loaded, write_project


def names(count: int, group: str, first_day: int = 1) -> list[str]:
    return [f"{group}/2024-05-{day:02d}T00:00:00Z" for day in range(first_day, first_day + count)]


@pytest.fixture
def world(pbs_sim_factory):
    world = dev_world(pbs_sim_factory, sync_runner="pbs")
    world.onprem.seed_content(
        {
            "store1": [
                {"group": "vm/100", "snapshots": 3},
                {"group": "ct/200", "snapshots": 2},
                {"group": "vm/101", "ns": "site1", "snapshots": 1},
            ]
        }
    )
    world.cloud.seed_content(
        {"offsite": [{"group": "ct/300", "snapshots": 4}, {"group": "vm/900", "snapshots": 1}]}
    )
    return world


@pytest.fixture
def run_now(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)

    def call(stack, job: str) -> tuple[int, str]:
        project = write_project(stack, tmp_path / "project")
        code = main(["run", "--stack", "e2e", "--project-dir", str(project), "--poll-interval", "0.02", job])
        return code, capsys.readouterr().out

    return call


def test_push_then_pull_replicate_exactly_the_expected_snapshots(world, tmp_path, run_now):
    stack = dev_stack(world, tmp_path, **RETENTION)
    assert stack.up().ok
    report = run_doctor(loaded(stack), probe_timeout=2)
    assert report.errors == [], "\n".join(report.lines())
    assert report.warnings == [], "\n".join(report.lines())  # the push excludes what the pull brings back

    code, out = run_now(stack, "push-cloud")
    assert code == 0, out
    assert "Summary: sync job pushed" in out and out.splitlines()[-1].endswith(": OK")
    cloud = world.cloud
    assert cloud.snapshot_names("offsite") == [  # ct/200 stays home: the push excludes type:ct
        *names(4, "ct/300"),
        *names(3, "vm/100"),
        *names(1, "vm/900"),
    ]
    assert cloud.snapshot_names("offsite", "site1") == names(1, "vm/101")  # the namespace came along
    owners = {(g["ns"], g["group"]): g["owner"] for g in cloud.content("offsite")["offsite"]}
    assert owners[("", "vm/100")] == owners[("site1", "vm/101")] == "root@pam!pulumi"  # the remote's auth-id
    assert owners[("", "ct/300")] == "root@pam"  # untouched

    code, out = run_now(stack, "pull-templates")  # groupFilter type:ct, transferLast 3
    assert code == 0, out
    onprem = world.onprem
    assert onprem.snapshot_names("store1") == [
        *names(2, "ct/200"),  # its own, already there
        *names(3, "ct/300", first_day=2),  # the newest three of four
        *names(3, "vm/100"),  # its own; vm/900 is filtered out
    ]
    assert onprem.snapshot_names("store1", "site1") == names(1, "vm/101")  # vm groups are not pulled back

    assert stack.refresh().ok
    for key in ("push-cloud", "pull-templates"):
        assert stack.resource(key)["outputs"]["lastRunState"] == "OK"


def test_namespace_mapping_and_remove_vanished(world, tmp_path, run_now):
    stack = dev_stack(world, tmp_path)
    push = {
        **loaded(stack).sync_jobs["push-cloud"].inputs,
        "ns": "site1",
        "remoteNs": "from-onprem/site1",
        "removeVanished": True,
    }
    stack.set(syncJobs={"push-cloud": push})
    assert stack.up().ok
    report = run_doctor(loaded(stack), probe_timeout=2)
    assert report.errors == [], "\n".join(report.lines())

    world.onprem.seed_content({"store1": [{"group": "vm/102", "ns": "site1", "snapshots": 2}]})
    code, out = run_now(stack, "push-cloud")
    assert code == 0, out
    cloud = world.cloud
    assert cloud.snapshot_names("offsite", "from-onprem/site1") == [*names(1, "vm/101"), *names(2, "vm/102")]
    assert cloud.snapshot_names("offsite") == [*names(4, "ct/300"), *names(1, "vm/900")]  # root untouched

    world.onprem.api(
        "DELETE",
        "/admin/datastore/store1/snapshots",
        params={"ns": "site1", "backup-type": "vm", "backup-id": "102", "backup-time": 1714521600},
    ).raise_for_status()
    code, out = run_now(stack, "push-cloud")
    assert code == 0, out
    assert "removed vanished" in out.lower()
    assert cloud.snapshot_names("offsite", "from-onprem/site1") == [
        *names(1, "vm/101"),
        *names(1, "vm/102", 2),
    ]
