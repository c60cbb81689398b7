"""The doctor's table of what PBS demands per direction (`src/api2/config/sync.rs`), as pure rules."""

from __future__ import annotations

import pytest

from pbs_provider.doctor.privileges import (
    JobShape,
    Need,
    deployer_needs,
    is_correct_owner,
    owner_needs,
    owner_remote_namespace_need,
    remote_needs,
    roles_granting,
)
from pbs_types.roles import ROLE_PRIVILEGES

PUSH = JobShape("push", "store1", "offsite", remote="cloud", ns="a", remote_ns="site1")
PULL = JobShape("pull", "store1", "offsite", remote="cloud", ns="a", remote_ns="site1")


def paths(needs: list[Need]) -> dict[str, list[set[str]]]:
    return {n.path: [set(o) for o in n.options] for n in needs}


def test_push_deployer_needs_remote_backup_and_local_read_or_owned_backup():
    assert paths(deployer_needs(PUSH, "root@pam")) == {
        "/remote/cloud/offsite/site1": [{"Remote.DatastoreBackup"}],
        "/datastore/store1/a": [
            {"Datastore.Audit", "Datastore.Read"},
            {"Datastore.Audit", "Datastore.Backup"},
        ],
    }
    # not the owner: Backup alone no longer does, Modify is needed with it
    needs = paths(deployer_needs(PUSH, "ops@pbs!deploy"))
    assert needs["/datastore/store1/a"][1] == {"Datastore.Audit", "Datastore.Backup", "Datastore.Modify"}
    pruning = JobShape("push", "store1", "offsite", remote="cloud", remove_vanished=True)
    assert paths(deployer_needs(pruning, "root@pam"))["/remote/cloud/offsite"] == [
        {"Remote.DatastoreBackup", "Remote.DatastorePrune"}
    ]


def test_pull_deployer_needs_local_backup_and_remote_read_without_namespace():
    assert paths(deployer_needs(PULL, "root@pam")) == {
        "/datastore/store1/a": [{"Datastore.Audit", "Datastore.Backup"}],
        "/remote/cloud/offsite": [{"Remote.Read"}],
    }
    other = JobShape("pull", "store1", "offsite", remote="cloud", owner="sync@pbs", remove_vanished=True)
    assert paths(deployer_needs(other, "ops@pbs")) == {
        "/datastore/store1": [{"Datastore.Audit", "Datastore.Backup", "Datastore.Prune", "Datastore.Modify"}],
        "/remote/cloud/offsite": [{"Remote.Read"}],
    }
    local = JobShape("pull", "store1", "store2")
    assert list(paths(deployer_needs(local, "root@pam"))) == ["/datastore/store1"]  # no source check


def test_owner_needs_at_run_time():
    assert paths(owner_needs(PUSH)) == {
        "/datastore/store1/a": [{"Datastore.Read"}],
        "/remote/cloud/offsite/site1": [{"Remote.DatastoreBackup"}],  # checked again at run time
    }
    assert paths([owner_remote_namespace_need(PUSH)]) == {
        "/remote/cloud/offsite/site1": [{"Remote.DatastoreModify"}]
    }
    assert owner_needs(PUSH)[0].partial == {"Datastore.Backup"}  # only its own groups
    assert paths(owner_needs(PULL, local_ns_exists=False)) == {
        "/datastore/store1/a": [{"Datastore.Backup"}],
        "/datastore/store1": [{"Datastore.Modify"}],  # to create `a` below the root
    }
    local = JobShape("pull", "store1", "store2", remote_ns="x")
    assert paths(owner_needs(local)) == {
        "/datastore/store1": [{"Datastore.Backup"}],
        "/datastore/store2/x": [{"Datastore.Read"}],
    }


def test_remote_needs_on_the_other_server():
    assert paths(remote_needs(PUSH)) == {"/datastore/offsite/site1": [{"Datastore.Backup"}]}
    nested = JobShape(
        "push", "store1", "offsite", remote="cloud", remote_ns="tenant/site1", remove_vanished=True
    )
    assert paths(remote_needs(nested, remote_ns_exists=False)) == {
        "/datastore/offsite/tenant/site1": [{"Datastore.Backup", "Datastore.Prune"}],
        "/datastore/offsite/tenant": [{"Datastore.Modify"}],
    }
    pull = remote_needs(PULL)
    assert paths(pull) == {"/datastore/offsite/site1": [{"Datastore.Audit", "Datastore.Read"}]}
    assert pull[0].partial == {"Datastore.Backup"}


def test_need_reports_the_smallest_gap_and_a_role_that_closes_it():
    need = deployer_needs(PUSH, "ops@pbs")[1]
    assert need.satisfied({"Datastore.Audit", "Datastore.Read"})
    assert need.missing({"Datastore.Audit"}) == {"Datastore.Read"}
    assert need.role_for({"Datastore.Audit"}) == "DatastoreReader"
    backup = remote_needs(PUSH)[0]
    assert backup.missing(set()) == {"Datastore.Backup"} and backup.role_for(set()) == "DatastoreBackup"
    assert remote_needs(PULL)[0].partly_satisfied({"Datastore.Backup"})


@pytest.mark.parametrize(
    ("privileges", "roles"),
    [
        ({"Datastore.Backup"}, "DatastoreBackup"),
        ({"Datastore.Backup", "Datastore.Prune"}, "DatastorePowerUser"),
        ({"Datastore.Audit", "Datastore.Read"}, "DatastoreReader"),
        ({"Datastore.Audit", "Datastore.Backup"}, "DatastoreAudit + DatastoreBackup"),
        ({"Datastore.Modify"}, "DatastoreAdmin"),
        ({"Remote.DatastoreBackup"}, "RemoteSyncPushOperator"),
        ({"Remote.DatastoreBackup", "Remote.DatastorePrune"}, "RemoteDatastorePowerUser"),
        ({"Remote.Read"}, "RemoteSyncOperator"),
    ],
)
def test_roles_granting_prefers_the_least_privilege(privileges, roles):
    assert roles_granting(frozenset(privileges)) == roles
    granted = set().union(*(ROLE_PRIVILEGES[r] for r in roles.split(" + ")))
    assert privileges <= granted


@pytest.mark.parametrize(
    ("owner", "caller", "correct"),
    [
        (None, "root@pam", True),
        (None, "root@pam!x", False),
        ("ops@pbs", "ops@pbs", True),
        ("ops@pbs!t", "ops@pbs", True),
        ("ops@pbs", "ops@pbs!t", False),
        ("other@pbs", "ops@pbs", False),
    ],
)
def test_correct_owner_as_pbs_decides_it(owner, caller, correct):
    assert is_correct_owner(owner, caller) is correct
