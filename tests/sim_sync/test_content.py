"""Backup content: seeding, the groups/snapshots endpoints with PBS's privilege and owner rules,
deletion (protected snapshots, namespaces holding groups), persistence."""

from __future__ import annotations

import json

import pytest

from pbs_sim.testing import start_simulator
from tests.sim.support import as_token, error
from tests.sim_sync.support import grant, ok, sync_user

SEED = {
    "store1": [
        {"group": "vm/100", "snapshots": 2},
        {
            "group": "ct/200",
            "owner": "alice@pbs",
            "snapshots": [{"time": "2024-06-01T10:00:00Z", "size": "10 MiB"}],
        },
        {
            "group": "host/web",
            "ns": "site1/a",
            "snapshots": [{"time": 1717236000, "encrypted": True, "verified": "ok"}],
        },
        {"group": "vm/99", "snapshots": 1},
    ]
}


def test_seed_and_dump(onprem):
    assert onprem.seed_content(SEED) == 5
    content = onprem.content("store1")["store1"]
    assert [(e["ns"], e["group"], e["owner"]) for e in content] == [
        ("", "ct/200", "alice@pbs"),  # PBS order: ct < host < vm, numeric ids numerically
        ("", "vm/99", "root@pam"),
        ("", "vm/100", "root@pam"),
        ("site1/a", "host/web", "root@pam"),
    ]
    assert content[0]["snapshots"] == [
        {
            "time": "2024-06-01T10:00:00Z",
            "size": 10 * 1024**2,
            "encrypted": False,
            "verified": None,
            "protected": False,
        }
    ]
    assert content[3]["snapshots"][0]["encrypted"] is True and content[3]["snapshots"][0]["verified"] == "ok"
    assert onprem.snapshot_names("store1") == [
        "ct/200/2024-06-01T10:00:00Z",
        "vm/99/2024-05-01T00:00:00Z",
        "vm/100/2024-05-01T00:00:00Z",
        "vm/100/2024-05-02T00:00:00Z",
    ]
    # seeded namespaces exist like created ones
    assert ok(onprem.api("GET", "/admin/datastore/store1/namespace")) == [
        {"ns": ""},
        {"ns": "site1"},
        {"ns": "site1/a"},
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"nostore": []}, "no such datastore 'nostore'"),
        ({"store1": [{"group": "vm"}]}, "unable to parse backup group path 'vm'"),
        ({"store1": [{"group": "vm/1", "snapshots": [{"time": "yesterday"}]}]}, "is not like"),
        ({"store1": [{"group": "vm/1", "owner": "nobody"}]}, "owner 'nobody' is not an auth-id"),
        (
            {"store1": [{"group": "vm/1", "snapshots": [{"time": 1, "color": "red"}]}]},
            "unknown snapshot field",
        ),
    ],
)
def test_bad_seeds_are_refused(onprem, spec, message):
    response = onprem.api("POST", "/_sim/content", json={"spec": json.dumps(spec)})
    assert response.status_code == 400 and message in response.text, response.text


def test_yaml_seed_file_on_start_and_persistence(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "store1:\n  - group: vm/100\n    ns: site1\n    snapshots:\n"
        "      - time: 2024-05-01T00:00:00Z\n        protected: true\n"
    )
    with start_simulator(tmp_path / "p", datastores=["store1"], seed_content=seed) as sim:
        assert sim.snapshot_names("store1", "site1") == ["vm/100/2024-05-01T00:00:00Z"]
        sim.seed_content({"store1": [{"group": "ct/7", "snapshots": 1}]})
        sim.restart()
        assert sim.snapshot_names("store1") == ["ct/7/2024-05-01T00:00:00Z"]
        [entry] = [e for e in sim.content("store1")["store1"] if e["ns"] == "site1"]
        assert entry["snapshots"][0]["protected"] is True


def test_list_groups_and_snapshots(onprem):
    onprem.seed_content(SEED)
    groups = ok(onprem.api("GET", "/admin/datastore/store1/groups"))
    [vm100] = [g for g in groups if g["backup-id"] == "100"]
    assert vm100 == {
        "backup-type": "vm",
        "backup-id": "100",
        "last-backup": 1714608000,
        "backup-count": 2,
        "files": ["index.json.blob", "qemu-server.conf.blob", "drive-scsi0.img.fidx"],
        "owner": "root@pam",
    }
    [snap] = ok(onprem.api("GET", "/admin/datastore/store1/snapshots", params={"ns": "site1/a"}))
    assert snap["backup-type"] == "host" and snap["backup-time"] == 1717236000
    assert (
        snap["verification"]["state"] == "ok" and snap["owner"] == "root@pam" and snap["protected"] is False
    )
    assert {f["filename"]: f["crypt-mode"] for f in snap["files"]} == {
        "index.json.blob": "sign-only",
        "root.pxar.didx": "encrypt",
        "catalog.pcat1.didx": "encrypt",
    }
    assert snap["size"] == sum(f["size"] for f in snap["files"])
    by_group = ok(
        onprem.api(
            "GET", "/admin/datastore/store1/snapshots", params={"backup-type": "vm", "backup-id": "100"}
        )
    )
    assert [s["backup-time"] for s in by_group] == [1714521600, 1714608000]
    assert (
        ok(onprem.api("GET", "/admin/datastore/store1/snapshots", params={"backup-id": "200"}))[0][
            "backup-type"
        ]
        == "ct"
    )
    error(
        onprem.api("GET", "/admin/datastore/store1/groups", params={"ns": "nope"}),
        400,
        "ENOENT: No such file or directory",
    )
    error(onprem.api("GET", "/admin/datastore/nostore/groups"), 400, "no such datastore 'nostore'")


def test_listing_needs_audit_or_shows_owned_groups_only(onprem):
    onprem.seed_content(SEED)
    secret = sync_user(onprem, "alice@pbs", "t")

    def alice(path, **kw):
        return as_token(onprem, "alice@pbs!t", secret, "GET", path, **kw)

    error(
        alice("/admin/datastore/store1/groups"),
        403,
        "permission check failed - missing Datastore.Audit|Datastore.Backup on /datastore/store1",
    )
    for who in ("alice@pbs", "alice@pbs!t"):
        grant(onprem, "/datastore/store1", who, "DatastoreBackup")
    # Datastore.Backup: only groups the token owns (check_backup_owner: a user may use its tokens'
    # groups, but a token not its user's: ct/200 belongs to alice@pbs and stays hidden)
    onprem.seed_content({"store1": [{"group": "ct/300", "owner": "alice@pbs!t", "snapshots": 1}]})
    assert [g["backup-id"] for g in ok(alice("/admin/datastore/store1/groups"))] == ["300"]
    assert [s["backup-id"] for s in ok(alice("/admin/datastore/store1/snapshots"))] == ["300"]
    for who in ("alice@pbs", "alice@pbs!t"):
        grant(onprem, "/datastore/store1", who, "DatastoreAudit")
    assert len(ok(alice("/admin/datastore/store1/groups"))) == 4


def test_delete_snapshot_and_group(onprem):
    onprem.seed_content(SEED)
    onprem.seed_content(
        {"store1": [{"group": "vm/100", "snapshots": [{"time": "2024-05-03T00:00:00Z", "protected": True}]}]}
    )
    snap = {"backup-type": "vm", "backup-id": "100", "backup-time": 1714521600}
    assert ok(onprem.api("DELETE", "/admin/datastore/store1/snapshots", params=snap)) is None
    error(
        onprem.api("DELETE", "/admin/datastore/store1/snapshots", params={**snap, "backup-time": 1714694400}),
        400,
        "failed to delete snapshot - cannot remove protected snapshot",
    )
    group = {"backup-type": "vm", "backup-id": "100"}
    error(
        onprem.api("DELETE", "/admin/datastore/store1/groups", params=group),
        400,
        "group only partially deleted due to protected snapshots",
    )
    assert onprem.snapshot_names("store1") == [
        "ct/200/2024-06-01T10:00:00Z",
        "vm/99/2024-05-01T00:00:00Z",
        "vm/100/2024-05-03T00:00:00Z",  # the protected one stays
    ]
    stats = ok(
        onprem.api(
            "DELETE", "/admin/datastore/store1/groups", params={"backup-type": "vm", "backup-id": "99"}
        )
    )
    assert stats == {"protected-snapshots": 0, "removed-groups": 1, "removed-snapshots": 1}


def test_delete_needs_modify_or_prune_and_ownership(onprem):
    onprem.seed_content(SEED)
    secret = sync_user(onprem, "alice@pbs", "t", roles={"/datastore/store1": "DatastorePowerUser"})

    def delete(**p):
        return as_token(onprem, "alice@pbs!t", secret, "DELETE", "/admin/datastore/store1/groups", params=p)

    error(
        delete(**{"backup-type": "vm", "backup-id": "100"}),
        400,
        "backup owner check failed (alice@pbs!t != root@pam)",
    )
    error(
        delete(**{"backup-type": "ct", "backup-id": "200"}),
        400,
        "backup owner check failed (alice@pbs!t != alice@pbs)",  # a token does not own its user's groups
    )
    onprem.seed_content({"store1": [{"group": "ct/300", "owner": "alice@pbs!t", "snapshots": 2}]})
    assert ok(delete(**{"backup-type": "ct", "backup-id": "300"})) == {
        "protected-snapshots": 0,
        "removed-groups": 1,
        "removed-snapshots": 2,
    }


def test_namespace_with_groups_needs_delete_groups(onprem):
    onprem.seed_content(SEED)
    error(
        onprem.api("DELETE", "/admin/datastore/store1/namespace", params={"ns": "site1"}),
        400,
        "only partially deleted due to existing groups but `delete-groups` not true",
    )
    assert onprem.snapshot_names("store1", "site1/a") == ["host/web/2024-06-01T10:00:00Z"]
    stats = ok(
        onprem.api("DELETE", "/admin/datastore/store1/namespace", params={"ns": "site1", "delete-groups": 1})
    )
    assert stats == {"protected-snapshots": 0, "removed-groups": 1, "removed-snapshots": 1}
    assert ok(onprem.api("GET", "/admin/datastore/store1/namespace")) == [{"ns": ""}]


def _manifest(onprem, time=1714521600):
    [snap] = [
        s
        for s in ok(
            onprem.api(
                "GET", "/admin/datastore/store1/snapshots", params={"backup-type": "vm", "backup-id": "100"}
            )
        )
        if s["backup-time"] == time
    ]
    return {
        "backup-type": "vm",
        "backup-id": "100",
        "backup-time": time,
        "files": snap["files"][1:],
        "unprotected": {},
    }


def test_backup_session_checks(onprem):
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": 1}]})
    manifest = _manifest(onprem)
    upgrade = {"Upgrade": "proxmox-backup-protocol-v1"}

    def backup(headers=upgrade, **overrides):
        body = {"store": "store1", "backup-type": "vm", "backup-id": "100", "backup-time": 1714608000}
        body.update(overrides)
        body["manifest"] = json.dumps({**manifest, "backup-time": body["backup-time"]})
        return onprem.api("POST", "/backup", json=body, headers=headers)

    error(backup(headers={}), 400, "missing Upgrade header")
    error(backup(headers={"Upgrade": "h2c"}), 400, "invalid protocol name")
    error(backup(ns="nope"), 404, "namespace not found")
    # the admin token does not own root@pam's group (a token never owns its user's groups)
    error(backup(), 400, "backup owner check failed (root@pam!admin != root@pam)")
    onprem.seed_content({"store1": [{"group": "vm/100", "owner": "root@pam!admin", "snapshots": []}]})
    error(backup(**{"backup-time": 1714521600}), 400, "backup timestamp is older than last backup.")
    assert ok(backup()) is None
    assert onprem.snapshot_names("store1") == ["vm/100/2024-05-01T00:00:00Z", "vm/100/2024-05-02T00:00:00Z"]
    tasks = ok(onprem.api("GET", "/nodes/localhost/tasks", params={"typefilter": "backup"}))
    assert [t["worker_id"] for t in tasks] == ["store1:vm/100"]


def test_reader_session_checks(onprem):
    onprem.seed_content({"store1": [{"group": "vm/100", "snapshots": 1}]})
    secret = sync_user(onprem, "alice@pbs", "t")
    params = {"store": "store1", "backup-type": "vm", "backup-id": "100", "backup-time": 1714521600}
    upgrade = {"Upgrade": "proxmox-backup-reader-protocol-v1"}

    def read(**extra):
        return as_token(
            onprem, "alice@pbs!t", secret, "GET", "/reader", params={**params, **extra}, headers=upgrade
        )

    error(read(), 400, "no permissions on /datastore/store1")
    for who in ("alice@pbs", "alice@pbs!t"):
        grant(onprem, "/datastore/store1", who, "DatastoreBackup")
    error(read(), 400, "backup owner check failed!")
    for who in ("alice@pbs", "alice@pbs!t"):
        grant(onprem, "/datastore/store1", who, "DatastoreReader")
    assert ok(read())["files"][1]["filename"] == "drive-scsi0.img.fidx"
    error(read(**{"backup-time": 1}), 400, "snapshot vm/100/1970-01-01T00:00:01Z does not exist.")
