"""Datastores and namespaces."""

from __future__ import annotations

from tests.sim.support import (
    as_token,
    data,
    error,
    file_digest,
    grant,
    make_job,
    make_token,
    make_user,
    wait_task,
)


def test_admin_datastore_list(pbs_sim):
    assert data(pbs_sim.api("GET", "/admin/datastore")) == [
        {"store": "store1", "comment": None, "mount-status": "nonremovable", "backend-type": "filesystem"}
    ]


def test_config_datastore_create_list_delete(pbs_sim):
    upid = data(pbs_sim.api("POST", "/config/datastore", json={"name": "offsite", "path": "/backup/offsite"}))
    assert upid.startswith("UPID:pbs1:") and ":create-datastore:offsite:" in upid
    assert wait_task(pbs_sim, upid)["exitstatus"] == "OK"
    listed = pbs_sim.api("GET", "/config/datastore").json()
    assert {d["name"] for d in listed["data"]} == {"store1", "offsite"}
    assert listed["digest"] == file_digest(pbs_sim, "datastore.cfg")
    error(
        pbs_sim.api("POST", "/config/datastore", json={"name": "offsite", "path": "/x"}),
        400,
        "parameter verification failed - 'name': datastore 'offsite' already exists.",
    )
    error(
        pbs_sim.api("POST", "/config/datastore", json={"name": "rel", "path": "relative/path"}),
        400,
        "parameter verification failed - 'path': expected an absolute path, 'relative/path' is not",
    )
    wait_task(pbs_sim, data(pbs_sim.api("DELETE", "/config/datastore/offsite")))
    assert [d["store"] for d in data(pbs_sim.api("GET", "/admin/datastore"))] == ["store1"]
    error(pbs_sim.api("DELETE", "/config/datastore/offsite"), 404, "datastore 'offsite' does not exist.")


def test_datastore_delete_removes_jobs_and_acl_unless_kept(pbs_sim):
    make_job(pbs_sim, "pull1")
    make_job(pbs_sim, "push1", **{"sync-direction": "push"})
    make_user(pbs_sim, "u1@pbs")
    grant(pbs_sim, "/datastore/store1", "u1@pbs", "DatastoreAudit")
    wait_task(pbs_sim, data(pbs_sim.api("DELETE", "/config/datastore/store1")))
    assert data(pbs_sim.api("GET", "/config/sync", params={"sync-direction": "all"})) == []
    assert all(e["path"] != "/datastore/store1" for e in data(pbs_sim.api("GET", "/access/acl")))


def test_datastore_delete_keep_job_configs(pbs_sim):
    make_job(pbs_sim, "pull1")
    wait_task(
        pbs_sim, data(pbs_sim.api("DELETE", "/config/datastore/store1", params={"keep-job-configs": 1}))
    )
    assert [j["id"] for j in data(pbs_sim.api("GET", "/config/sync"))] == ["pull1"]


def test_unknown_datastore_in_admin_paths(pbs_sim):
    error(pbs_sim.api("GET", "/admin/datastore/nostore/namespace"), 400, "no such datastore 'nostore'")


def test_namespace_create_list_delete(pbs_sim):
    ns_path = "/admin/datastore/store1/namespace"
    assert data(pbs_sim.api("POST", ns_path, json={"name": "site1"})) == "site1"
    assert data(pbs_sim.api("POST", ns_path, json={"name": "b", "parent": "site1"})) == "site1/b"
    assert data(pbs_sim.api("POST", ns_path, json={"name": "a"})) == "a"
    # creating an existing namespace succeeds
    assert data(pbs_sim.api("POST", ns_path, json={"name": "site1"})) == "site1"
    assert data(pbs_sim.api("GET", ns_path)) == [{"ns": ""}, {"ns": "a"}, {"ns": "site1"}, {"ns": "site1/b"}]
    assert data(pbs_sim.api("GET", ns_path, params={"parent": "site1"})) == [
        {"ns": "site1"},
        {"ns": "site1/b"},
    ]
    assert data(pbs_sim.api("GET", ns_path, params={"max-depth": 0})) == [{"ns": ""}]
    removed = data(pbs_sim.api("DELETE", ns_path, params={"ns": "site1"}))
    assert removed == {"removed-groups": 0, "protected-snapshots": 0, "removed-snapshots": 0}
    assert data(pbs_sim.api("GET", ns_path)) == [{"ns": ""}, {"ns": "a"}]


def test_namespace_rules(pbs_sim):
    ns_path = "/admin/datastore/store1/namespace"
    error(
        pbs_sim.api("POST", ns_path, json={"name": "x", "parent": "missing"}),
        400,
        "cannot create new namespace, parent missing doesn't already exists",
    )
    parent = ""
    for level in range(7):
        data(
            pbs_sim.api("POST", ns_path, json={"name": f"l{level}", **({"parent": parent} if parent else {})})
        )
        parent = f"{parent}/l{level}" if parent else f"l{level}"
    error(
        pbs_sim.api("POST", ns_path, json={"name": "deep", "parent": parent}),
        400,
        "namespace too deep, 7 >= max 7",
    )
    error(pbs_sim.api("DELETE", ns_path, params={"ns": ""}), 400, "Cannot create/delete root namespace!")
    error(
        pbs_sim.api("POST", ns_path, json={"name": "a/b"}),
        400,
        "parameter verification failed - 'name': value does not match the regex pattern",
    )


def test_namespace_permissions(pbs_sim):
    ns_path = "/admin/datastore/store1/namespace"
    data(pbs_sim.api("POST", ns_path, json={"name": "site1"}))
    make_user(pbs_sim, "jo@pbs")
    secret = make_token(pbs_sim, "jo@pbs", "t")
    call = lambda m, **kw: as_token(pbs_sim, "jo@pbs!t", secret, m, ns_path, **kw)  # noqa: E731
    error(call("GET"), 403, "permission check failed")
    error(
        call("POST", json={"name": "x", "parent": "site1"}),
        403,
        "permission check failed - missing Datastore.Modify on /datastore/store1/site1",
    )
    for who in ("jo@pbs", "jo@pbs!t"):
        grant(pbs_sim, "/datastore/store1/site1", who, "DatastoreAdmin")
    assert data(call("POST", json={"name": "x", "parent": "site1"})) == "site1/x"
    # only namespaces with privileges are listed
    assert data(call("GET")) == [{"ns": "site1"}, {"ns": "site1/x"}]
    error(
        call("DELETE", params={"ns": "site1"}),
        403,
        "permission check failed - missing Datastore.Modify on /datastore/store1",
    )


def test_read_datastore_config(pbs_sim):
    answer = pbs_sim.api("GET", "/config/datastore/store1").json()
    assert answer["data"]["name"] == "store1" and answer["data"]["path"].endswith("store1")
    assert answer["digest"] == file_digest(pbs_sim, "datastore.cfg")
