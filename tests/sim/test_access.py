"""Users, tokens, ACLs, roles and effective permissions."""

from __future__ import annotations

import re

from tests.sim.support import as_token, data, error, file_digest, grant, make_token, make_user


def test_root_always_exists(pbs_sim):
    users = pbs_sim.api("GET", "/access/users").json()
    assert {"userid": "root@pam", "comment": "Superuser"} in users["data"]
    assert users["digest"] == file_digest(pbs_sim, "user.cfg")


def test_user_crud(pbs_sim):
    data(
        pbs_sim.api("POST", "/access/users", json={"userid": "sync-in@pbs", "comment": "c", "email": "a@b.c"})
    )
    error(
        pbs_sim.api("POST", "/access/users", json={"userid": "sync-in@pbs"}),
        400,
        "user 'sync-in@pbs' already exists.",
    )
    user = data(pbs_sim.api("GET", "/access/users/sync-in@pbs"))
    assert user == {"userid": "sync-in@pbs", "comment": "c", "email": "a@b.c"}
    data(
        pbs_sim.api(
            "PUT", "/access/users/sync-in@pbs", json={"delete": ["email"], "enable": False, "expire": 0}
        )
    )
    assert data(pbs_sim.api("GET", "/access/users/sync-in@pbs")) == {
        "userid": "sync-in@pbs",
        "comment": "c",
        "enable": False,
    }
    data(pbs_sim.api("DELETE", "/access/users/sync-in@pbs"))
    error(pbs_sim.api("GET", "/access/users/sync-in@pbs"), 400, "no such user 'sync-in@pbs'")
    error(pbs_sim.api("DELETE", "/access/users/sync-in@pbs"), 400, "user 'sync-in@pbs' does not exist.")


def test_user_schema(pbs_sim):
    error(
        pbs_sim.api("POST", "/access/users", json={"userid": "nouser", "password": "short"}),
        400,
        "parameter verification failed:\n"
        "- 'password': value must be at least 8 characters long\n"
        "- 'userid': value does not match the regex pattern",
    )
    error(pbs_sim.api("POST", "/access/users", json={"userid": "x@ldap1"}), 400, "unknown realm 'ldap1'")


def test_tokens(pbs_sim):
    make_user(pbs_sim, "sync-in@pbs")
    created = data(pbs_sim.api("POST", "/access/users/sync-in@pbs/token/push", json={"comment": "for push"}))
    assert created["tokenid"] == "sync-in@pbs!push"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", created["value"])
    assert created["value"] not in (pbs_sim.data_dir / "token.shadow").read_text()  # stored hashed
    error(
        pbs_sim.api("POST", "/access/users/sync-in@pbs/token/push"),
        400,
        "token 'push' for user 'sync-in@pbs' already exists.",
    )
    listed = pbs_sim.api("GET", "/access/users/sync-in@pbs/token").json()
    assert listed["data"] == [{"token-name": "push", "tokenid": "sync-in@pbs!push", "comment": "for push"}]
    item = data(pbs_sim.api("GET", "/access/users/sync-in@pbs/token/push"))
    assert item == {"tokenid": "sync-in@pbs!push", "comment": "for push"}
    assert "value" not in item and "secret" not in item
    error(pbs_sim.api("GET", "/access/users/sync-in@pbs/token/nope"), 400, "no such token 'sync-in@pbs!nope'")
    with_tokens = data(pbs_sim.api("GET", "/access/users", params={"include_tokens": 1}))
    [entry] = [u for u in with_tokens if u["userid"] == "sync-in@pbs"]
    assert entry["tokens"] == [{"tokenid": "sync-in@pbs!push", "comment": "for push"}]


def test_token_regenerate_returns_secret_and_old_one_stops_working(pbs_sim):
    make_user(pbs_sim, "sync-in@pbs")
    old = make_token(pbs_sim, "sync-in@pbs", "push")
    assert as_token(pbs_sim, "sync-in@pbs!push", old, "GET", "/version").status_code == 200
    assert data(pbs_sim.api("PUT", "/access/users/sync-in@pbs/token/push", json={"comment": "x"})) is None
    new = data(pbs_sim.api("PUT", "/access/users/sync-in@pbs/token/push", json={"regenerate": True}))[
        "secret"
    ]
    assert new != old
    error(as_token(pbs_sim, "sync-in@pbs!push", old, "GET", "/version"), 401, "authentication failed")
    assert as_token(pbs_sim, "sync-in@pbs!push", new, "GET", "/version").status_code == 200


def test_token_enable_true_and_expire_zero_stored_as_absent(pbs_sim):
    make_user(pbs_sim, "u1@pbs")
    make_token(pbs_sim, "u1@pbs", "tok")
    data(pbs_sim.api("PUT", "/access/users/u1@pbs/token/tok", json={"enable": True, "expire": 0}))
    assert data(pbs_sim.api("GET", "/access/users/u1@pbs/token/tok")) == {"tokenid": "u1@pbs!tok"}


def test_token_delete_removes_its_acl_entries(pbs_sim):
    make_user(pbs_sim, "sync-in@pbs")
    make_token(pbs_sim, "sync-in@pbs", "push")
    grant(pbs_sim, "/datastore/store1", "sync-in@pbs!push", "DatastoreBackup")
    grant(pbs_sim, "/datastore/store1", "sync-in@pbs", "DatastoreBackup")
    error(
        pbs_sim.api("DELETE", "/access/users/sync-in@pbs/token/nope"),
        400,
        "token 'nope' of user 'sync-in@pbs' does not exist.",
    )
    data(pbs_sim.api("DELETE", "/access/users/sync-in@pbs/token/push"))
    ugids = {e["ugid"] for e in data(pbs_sim.api("GET", "/access/acl"))}
    assert "sync-in@pbs!push" not in ugids and "sync-in@pbs" in ugids


def test_user_delete_removes_tokens_and_their_acls_not_the_users(pbs_sim):
    make_user(pbs_sim, "sync-in@pbs")
    make_token(pbs_sim, "sync-in@pbs", "push")
    grant(pbs_sim, "/", "sync-in@pbs!push", "Audit")
    grant(pbs_sim, "/", "sync-in@pbs", "Audit")
    data(pbs_sim.api("DELETE", "/access/users/sync-in@pbs"))
    assert {e["ugid"] for e in data(pbs_sim.api("GET", "/access/acl"))} == {"sync-in@pbs", "root@pam!admin"}


def test_acl_roundtrip_and_cfg_format(pbs_sim):
    make_user(pbs_sim, "sync-in@pbs")
    make_token(pbs_sim, "sync-in@pbs", "push")
    grant(pbs_sim, "/datastore/offsite/site1", "sync-in@pbs", "DatastoreBackup")
    grant(pbs_sim, "/datastore/offsite/site1", "sync-in@pbs!push", "DatastoreBackup")
    grant(pbs_sim, "/remote", "sync-in@pbs", "RemoteAudit", propagate=False)
    answer = pbs_sim.api("GET", "/access/acl", params={"path": "/datastore/offsite/site1", "exact": 1}).json()
    assert sorted(answer["data"], key=lambda e: e["ugid"]) == [
        {
            "path": "/datastore/offsite/site1",
            "ugid": "sync-in@pbs",
            "ugid_type": "user",
            "propagate": True,
            "roleid": "DatastoreBackup",
        },
        {
            "path": "/datastore/offsite/site1",
            "ugid": "sync-in@pbs!push",
            "ugid_type": "user",
            "propagate": True,
            "roleid": "DatastoreBackup",
        },
    ]
    assert answer["digest"] == file_digest(pbs_sim, "acl.cfg")
    text = (pbs_sim.data_dir / "acl.cfg").read_text()
    assert "acl:1:/:root@pam!admin:Admin\n" in text
    assert "acl:1:/datastore/offsite/site1:sync-in@pbs,sync-in@pbs!push:DatastoreBackup\n" in text
    assert "acl:0:/remote:sync-in@pbs:RemoteAudit\n" in text


def test_acl_delete_is_a_boolean(pbs_sim):
    make_user(pbs_sim, "u1@pbs")
    grant(pbs_sim, "/datastore/store1", "u1@pbs", "DatastoreAudit")
    data(
        pbs_sim.api(
            "PUT",
            "/access/acl",
            data={"path": "/datastore/store1", "role": "DatastoreAudit", "auth-id": "u1@pbs", "delete": "1"},
        )
    )
    assert all(e["ugid"] != "u1@pbs" for e in data(pbs_sim.api("GET", "/access/acl")))
    # deleting accepts unknown ids and invalid paths
    data(
        pbs_sim.api(
            "PUT", "/access/acl", json={"path": "/bogus", "role": "Audit", "auth-id": "x@pbs", "delete": True}
        )
    )


def test_acl_add_errors(pbs_sim):
    make_user(pbs_sim, "u1@pbs")
    put = lambda **b: pbs_sim.api("PUT", "/access/acl", json=b)  # noqa: E731
    error(put(path="/", role="Audit", **{"auth-id": "ghost@pbs"}), 400, "no such user.")
    error(put(path="/", role="Audit", **{"auth-id": "u1@pbs!ghost"}), 400, "no such API token.")
    error(put(path="/bogus", role="Audit", **{"auth-id": "u1@pbs"}), 400, "invalid acl path '/bogus'.")
    error(
        put(path="/", role="Audit", group="admins"),
        400,
        "parameter 'group' - groups are currently not supported.",
    )
    error(put(path="/", role="Audit"), 400, "missing 'userid' or 'group' parameter.")
    error(
        put(path="/", role="Superhero", **{"auth-id": "u1@pbs"}),
        400,
        "parameter verification failed - 'role': value 'Superhero' is not defined in the enumeration.",
    )


def test_no_access_replaces_and_is_replaced(pbs_sim):
    make_user(pbs_sim, "u1@pbs")
    grant(pbs_sim, "/datastore/store1", "u1@pbs", "DatastoreAudit")
    grant(pbs_sim, "/datastore/store1", "u1@pbs", "DatastoreBackup")
    grant(pbs_sim, "/datastore/store1", "u1@pbs", "NoAccess")
    roles = lambda: sorted(  # noqa: E731
        e["roleid"] for e in data(pbs_sim.api("GET", "/access/acl")) if e["ugid"] == "u1@pbs"
    )
    assert roles() == ["NoAccess"]
    grant(pbs_sim, "/datastore/store1", "u1@pbs", "DatastoreReader")
    assert roles() == ["DatastoreReader"]


def test_roles_list(pbs_sim):
    roles = {r["roleid"]: r for r in data(pbs_sim.api("GET", "/access/roles"))}
    assert roles["DatastoreBackup"]["privs"] == ["Datastore.Backup"]
    assert roles["RemoteSyncPushOperator"]["privs"] == ["Remote.Audit", "Remote.DatastoreBackup"]
    assert roles["NoAccess"]["privs"] == []
    assert len(roles["Admin"]["privs"]) == 23


def test_effective_permissions_token_intersection(pbs_sim):
    make_user(pbs_sim, "sync-in@pbs")
    secret = make_token(pbs_sim, "sync-in@pbs", "push")
    grant(pbs_sim, "/datastore/offsite", "sync-in@pbs", "DatastoreBackup")
    grant(pbs_sim, "/datastore/offsite", "sync-in@pbs!push", "DatastoreAdmin")
    perms = data(
        pbs_sim.api(
            "GET",
            "/access/permissions",
            params={"auth-id": "sync-in@pbs!push", "path": "/datastore/offsite/ns1"},
        )
    )
    assert perms == {"/datastore/offsite/ns1": {"Datastore.Backup": True}}
    # a user may look at their own token, a token may not look at its user
    assert data(as_token(pbs_sim, "sync-in@pbs!push", secret, "GET", "/access/permissions"))
    error(
        as_token(
            pbs_sim,
            "sync-in@pbs!push",
            secret,
            "GET",
            "/access/permissions",
            params={"auth-id": "sync-in@pbs"},
        ),
        400,
        "not allowed to list permissions of sync-in@pbs",
    )


def test_non_propagating_role_only_on_exact_path(pbs_sim):
    make_user(pbs_sim, "u1@pbs")
    grant(pbs_sim, "/datastore/store1", "u1@pbs", "DatastoreAudit", propagate=False)
    at = lambda p: data(pbs_sim.api("GET", "/access/permissions", params={"auth-id": "u1@pbs", "path": p}))  # noqa: E731
    assert at("/datastore/store1") == {"/datastore/store1": {"Datastore.Audit": False}}
    assert at("/datastore/store1/ns") == {}


def test_unprivileged_users_manage_only_their_tokens_acls(pbs_sim):
    from tests.sim.test_auth import login, ticket_call

    make_user(pbs_sim, "hank@pbs", password="hank-password")
    make_token(pbs_sim, "hank@pbs", "t")
    make_user(pbs_sim, "other@pbs")
    make_token(pbs_sim, "other@pbs", "t")
    session = data(login(pbs_sim, "hank@pbs", "hank-password"))
    ticket, csrf = session["ticket"], session["CSRFPreventionToken"]

    def put(auth_id):
        body = {"path": "/datastore/store1", "role": "DatastoreAudit", "auth-id": auth_id}
        return ticket_call(pbs_sim, ticket, "PUT", "/access/acl", csrf=csrf, json=body)

    error(put("hank@pbs"), 400, "Unprivileged users can only set ACL items for API tokens.")
    error(put("other@pbs!t"), 400, "Unprivileged users can only set ACL items for their own API tokens.")
    data(put("hank@pbs!t"))
    # they see only their tokens' entries
    entries = data(ticket_call(pbs_sim, ticket, "GET", "/access/acl"))
    assert {e["ugid"] for e in entries} == {"hank@pbs!t"}


def test_users_may_read_themselves_but_not_others(pbs_sim):
    make_user(pbs_sim, "ivy@pbs")
    secret = make_token(pbs_sim, "ivy@pbs", "t")
    # a token is not the user named in the path: router-level 403
    error(
        as_token(pbs_sim, "ivy@pbs!t", secret, "GET", "/access/users/ivy@pbs"), 403, "permission check failed"
    )
    listed = data(as_token(pbs_sim, "ivy@pbs!t", secret, "GET", "/access/users"))
    assert [u["userid"] for u in listed] == ["ivy@pbs"]
