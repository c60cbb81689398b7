"""/config/sync as PBS serves it: fields, normalisation, listing filter, validation order,
deletable properties, digest and access checks."""

from __future__ import annotations

import pytest

from tests.sim.support import (
    as_token,
    data,
    error,
    file_digest,
    grant,
    make_job,
    make_remote,
    make_token,
    make_user,
)


def test_create_and_read_back_all_basic_fields(pbs_sim):
    make_job(
        pbs_sim,
        "job1",
        ns="tenant-a",
        owner="root@pam",
        **{
            "remote-ns": "site1",
            "remove-vanished": True,
            "max-depth": 2,
            "comment": "nightly",
            "schedule": "mon..fri 02:30",
            "group-filter": ["include:type:vm", "exclude:regex:^vm/9\\d\\d$"],
            "rate-in": "20MiB",
            "burst-in": "1300b",
            "transfer-last": 3,
            "encrypted-only": False,
            "verified-only": True,
            "run-on-mount": True,
            "worker-threads": 4,
        },
    )
    answer = pbs_sim.api("GET", "/config/sync/job1").json()
    assert answer["digest"] == file_digest(pbs_sim, "sync.cfg")
    assert answer["data"] == {
        "id": "job1",
        "store": "store1",
        "remote": "cloud",
        "remote-store": "offsite",
        "ns": "tenant-a",
        "owner": "root@pam",
        "remote-ns": "site1",
        "remove-vanished": True,
        "max-depth": 2,
        "comment": "nightly",
        "schedule": "mon..fri 02:30",
        "group-filter": ["type:vm", "exclude:regex:^vm/9\\d\\d$"],  # include: dropped
        "rate-in": "20 MiB",  # HumanByte normalised
        "burst-in": "1300 B",
        "transfer-last": 3,
        "encrypted-only": False,
        "verified-only": True,
        "run-on-mount": True,
        "worker-threads": 4,
    }


def test_sync_cfg_format(pbs_sim):
    make_job(
        pbs_sim,
        "push-cloud",
        ns="tenant-a",
        **{
            "sync-direction": "push",
            "remote-ns": "site1",
            "group-filter": ["type:vm", "exclude:regex:^vm/9\\d\\d$"],
            "rate-out": "20MiB",
            "remove-vanished": True,
            "schedule": "mon..fri 02:30",
        },
    )
    assert (pbs_sim.data_dir / "sync.cfg").read_text() == (
        "sync: push-cloud\n"
        "\tgroup-filter type:vm\n"
        "\tgroup-filter exclude:regex:^vm/9\\d\\d$\n"
        "\tns tenant-a\n"
        "\trate-out 20 MiB\n"
        "\tremote cloud\n"
        "\tremote-ns site1\n"
        "\tremote-store offsite\n"
        "\tremove-vanished true\n"
        "\tschedule mon..fri 02:30\n"
        "\tstore store1\n"
        "\tsync-direction push\n"
    )


def test_root_namespace_empty_string_is_kept(pbs_sim):
    make_job(pbs_sim, "job1", ns="")
    assert data(pbs_sim.api("GET", "/config/sync/job1"))["ns"] == ""
    assert "\tns \n" in (pbs_sim.data_dir / "sync.cfg").read_text()


def test_push_jobs_hidden_unless_asked(pbs_sim):
    make_job(pbs_sim, "pull1")
    make_job(pbs_sim, "push1", **{"sync-direction": "push"})
    make_job(pbs_sim, "pull2", **{"sync-direction": "pull"})
    ids = lambda params: sorted(j["id"] for j in data(pbs_sim.api("GET", "/config/sync", params=params)))  # noqa: E731
    assert ids({}) == ["pull1", "pull2"]
    assert ids({"sync-direction": "pull"}) == ["pull1", "pull2"]
    assert ids({"sync-direction": "push"}) == ["push1"]
    assert ids({"sync-direction": "all"}) == ["pull1", "pull2", "push1"]
    # item routes ignore direction
    assert data(pbs_sim.api("GET", "/config/sync/push1"))["sync-direction"] == "push"
    error(
        pbs_sim.api("GET", "/config/sync", params={"sync-direction": "both"}),
        400,
        "parameter verification failed - 'sync-direction': value 'both' is not defined in the enumeration.",
    )


def test_schedule_and_filters_are_validated(pbs_sim):
    response = pbs_sim.api(
        "POST",
        "/config/sync",
        json={
            "id": "job1",
            "store": "store1",
            "remote-store": "offsite",
            "schedule": "foo",
            "group-filter": ["vm:100"],
            "rate-in": "10X",
            "max-depth": 8,
            "transfer-last": 0,
            "worker-threads": 33,
        },
    )
    error(
        response,
        400,
        "parameter verification failed:\n"
        "- 'group-filter/[0]': expected 'group', 'type' or 'regex' prefix, got 'vm'\n"
        "- 'max-depth': value must have a maximum value of 7 (got 8)\n"
        "- 'rate-in': byte-size parse error for '10X': invalid float literal\n"
        "- 'schedule': unable to parse calendar event at 'foo' - Context(\"weekday\")\n"
        "- 'transfer-last': value must have a minimum value of 1 (got 0)\n"
        "- 'worker-threads': value must have a maximum value of 32 (got 33)",
    )


def test_validation_order_same_datastore_for_local_sync(pbs_sim):
    response = pbs_sim.api(
        "POST", "/config/sync", json={"id": "loc", "store": "store1", "remote-store": "store1"}
    )
    error(response, 400, "source and target datastore can't be the same")
    # with a remote the same store name is fine
    make_job(pbs_sim, "rem", **{"remote-store": "store1"})


def test_push_rejects_resync_corrupt_even_false(pbs_sim):
    body = {
        "id": "ps1",
        "store": "store1",
        "remote": "cloud",
        "remote-store": "x1x",
        "sync-direction": "push",
    }
    error(
        pbs_sim.api("POST", "/config/sync", json={**body, "resync-corrupt": False}),
        400,
        "push jobs do not support resync-corrupt option",
    )


def test_encryption_key_only_for_push(pbs_sim):
    error(
        pbs_sim.api(
            "POST",
            "/config/sync",
            json={
                "id": "jb1",
                "store": "store1",
                "remote": "cloud",
                "remote-store": "r1x",
                "active-encryption-key": "key1",
            },
        ),
        400,
        "'active-encryption-key' only applies to push sync jobs",
    )


def test_max_depth_versus_namespace_depth(pbs_sim):
    response = pbs_sim.api(
        "POST",
        "/config/sync",
        json={
            "id": "jb1",
            "store": "store1",
            "remote-store": "r1x",
            "remote": "c1x",
            "ns": "a/b/c",
            "max-depth": 5,
        },
    )
    error(response, 400, "namespace 'a/b/c's depth and recursion depth exceed limit: 3 + 5 > 7")
    response = pbs_sim.api(
        "POST",
        "/config/sync",
        json={
            "id": "jb1",
            "store": "store1",
            "remote-store": "r1x",
            "remote": "c1x",
            "remote-ns": "a/b",
            "max-depth": 6,
        },
    )
    error(response, 400, "namespace 'a/b's depth and recursion depth exceed limit: 2 + 6 > 7")


def test_order_permission_before_rules(pbs_sim):
    # a token without privileges gets the permission error, not the rule violation behind it
    make_user(pbs_sim, "bob@pbs")
    secret = make_token(pbs_sim, "bob@pbs", "t")
    body = {"id": "loc", "store": "store1", "remote-store": "store1"}
    error(
        as_token(pbs_sim, "bob@pbs!t", secret, "POST", "/config/sync", json=body),
        400,
        "permission check failed",
    )


def test_duplicate_id_is_checked_last(pbs_sim):
    make_job(pbs_sim, "job1")
    body = {"id": "job1", "store": "store1", "remote": "cloud", "remote-store": "offsite"}
    error(
        pbs_sim.api("POST", "/config/sync", json=body),
        400,
        "parameter verification failed - 'id': job 'job1' already exists.",
    )
    error(
        pbs_sim.api("POST", "/config/sync", json={**body, "store": "x1x", "remote": None}),
        400,
        "parameter verification failed - 'remote': Expected string value.",
    )


def test_creation_does_not_check_existence_of_remote_or_stores(pbs_sim):
    make_job(pbs_sim, "jb1", remote="nosuchremote", store="nosuchstore", **{"remote-store": "nosuchstore2"})
    assert data(pbs_sim.api("GET", "/config/sync/jb1"))["remote"] == "nosuchremote"


def test_unmount_on_done_rules(pbs_sim):
    # not validated on create ...
    make_job(pbs_sim, "jb1", **{"unmount-on-done": True})
    # ... but on update the result needs run-on-mount
    error(
        pbs_sim.api("PUT", "/config/sync/jb1", json={"unmount-on-done": True}),
        400,
        "'unmount-on-done' can only be set when 'run-on-mount' is enabled",
    )
    data(pbs_sim.api("PUT", "/config/sync/jb1", json={"run-on-mount": True, "unmount-on-done": True}))


def test_update_missing_job_and_digest(pbs_sim):
    error(pbs_sim.api("PUT", "/config/sync/nope", json={"comment": "x"}), 400, "no such sync 'nope'")
    make_job(pbs_sim, "jb1")
    digest = pbs_sim.api("GET", "/config/sync/jb1").json()["digest"]
    make_job(pbs_sim, "jb2")
    error(
        pbs_sim.api("PUT", "/config/sync/jb1", json={"comment": "x", "digest": digest}),
        400,
        "detected modified configuration - file changed by other user? Try again.",
    )


def test_update_comment_trim_and_delete_list(pbs_sim):
    make_job(
        pbs_sim,
        "jb1",
        comment="c",
        schedule="daily",
        **{"rate-in": "1MB", "max-depth": 1, "transfer-last": 2},
    )
    data(
        pbs_sim.api(
            "PUT",
            "/config/sync/jb1",
            data=[
                ("delete", "schedule"),
                ("delete", "rate-in"),
                ("delete", "max-depth"),
                ("comment", "  new  "),
            ],
        )
    )
    job = data(pbs_sim.api("GET", "/config/sync/jb1"))
    assert job["comment"] == "new"
    assert "schedule" not in job and "rate-in" not in job and "max-depth" not in job
    assert job["transfer-last"] == 2
    data(pbs_sim.api("PUT", "/config/sync/jb1", json={"comment": ""}))
    assert "comment" not in data(pbs_sim.api("GET", "/config/sync/jb1"))


@pytest.mark.parametrize("field", ["resync-corrupt", "store", "remote-store", "id"])
def test_non_deletable_properties(pbs_sim, field):
    make_job(pbs_sim, "jb1")
    error(
        pbs_sim.api("PUT", "/config/sync/jb1", json={"delete": [field]}),
        400,
        f"parameter verification failed - 'delete/[0]': value '{field}' is not defined in the enumeration.",
    )


def test_delete_must_be_an_array_not_a_comma_list(pbs_sim):
    make_job(pbs_sim, "jb1", comment="c", schedule="daily")
    error(
        pbs_sim.api("PUT", "/config/sync/jb1", data={"delete": "comment,schedule"}),
        400,
        "parameter verification failed - 'delete': "
        "value 'comment,schedule' is not defined in the enumeration.",
    )


def test_push_update_with_resync_corrupt_only_in_request(pbs_sim):
    make_job(pbs_sim, "ps1", **{"sync-direction": "push"})
    # an existing push job updated with only resync-corrupt is not rejected (PBS quirk)
    data(pbs_sim.api("PUT", "/config/sync/ps1", json={"resync-corrupt": True}))
    error(
        pbs_sim.api("PUT", "/config/sync/ps1", json={"resync-corrupt": True, "sync-direction": "push"}),
        400,
        "push jobs do not support resync-corrupt option",
    )


def test_deleting_remote_of_push_job_fails_modify_check_even_for_root(pbs_sim):
    make_job(pbs_sim, "ps1", **{"sync-direction": "push"})
    error(pbs_sim.api("PUT", "/config/sync/ps1", json={"delete": ["remote"]}), 400, "permission check failed")


def test_delete_job(pbs_sim):
    make_job(pbs_sim, "jb1")
    error(pbs_sim.api("DELETE", "/config/sync/nope"), 404, "job 'nope' does not exist.")
    data(pbs_sim.api("DELETE", "/config/sync/jb1"))
    error(pbs_sim.api("GET", "/config/sync/jb1"), 400, "no such sync 'jb1'")
    assert not (pbs_sim.data_dir / "jobstates" / "syncjob-jb1.json").exists()


def test_job_state_file_created(pbs_sim):
    make_job(pbs_sim, "jb1")
    assert (pbs_sim.data_dir / "jobstates" / "syncjob-jb1.json").exists()


class TestAccess:
    """`sync.rs` access checks: read and modify access for pull and push jobs; failures are plain 400s."""

    @pytest.fixture
    def alice(self, pbs_sim):
        make_user(pbs_sim, "alice@pbs")
        secret = make_token(pbs_sim, "alice@pbs", "t")
        make_remote(pbs_sim)

        def call(method, path, **kwargs):
            return as_token(pbs_sim, "alice@pbs!t", secret, method, path, **kwargs)

        def allow(path, role):
            for who in ("alice@pbs", "alice@pbs!t"):
                grant(pbs_sim, path, who, role)

        return call, allow

    def test_pull_needs_backup_on_store_and_remote_read(self, pbs_sim, alice):
        call, allow = alice
        body = {
            "id": "jb1",
            "store": "store1",
            "remote": "cloud",
            "remote-store": "offsite",
            "owner": "alice@pbs!t",
        }
        error(call("POST", "/config/sync", json=body), 400, "permission check failed")
        allow("/datastore/store1", "DatastoreAdmin")
        error(call("POST", "/config/sync", json=body), 400, "permission check failed")
        allow("/remote/cloud/offsite", "RemoteSyncOperator")
        data(call("POST", "/config/sync", json=body))
        # read access needs Remote.Audit on /remote/cloud itself
        error(call("GET", "/config/sync/jb1"), 400, "permission check failed")
        assert data(call("GET", "/config/sync")) == []
        allow("/remote/cloud", "RemoteAudit")
        assert data(call("GET", "/config/sync/jb1"))["id"] == "jb1"

    def test_token_privileges_are_intersected_with_the_user(self, pbs_sim, alice):
        call, _ = alice
        grant(pbs_sim, "/", "alice@pbs!t", "Admin")  # token only: the user has nothing
        body = {"id": "jb1", "store": "store1", "remote": "cloud", "remote-store": "offsite"}
        error(call("POST", "/config/sync", json=body), 400, "permission check failed")

    def test_push_without_remote_fails_for_everyone(self, pbs_sim):
        body = {"id": "ps1", "store": "store1", "remote-store": "other", "sync-direction": "push"}
        error(pbs_sim.api("POST", "/config/sync", json=body), 400, "permission check failed")
