"""/config/remote as PBS serves it: CRUD, write-only password, digest, errors, ordering."""

from __future__ import annotations

import base64

from tests.sim.support import REMOTE, data, error, file_digest, make_job, make_remote


def test_create_list_read_hide_password(pbs_sim):
    make_remote(pbs_sim, port=8007, fingerprint="AB:" * 31 + "CD", comment="  off-site  ")
    listed = pbs_sim.api("GET", "/config/remote").json()
    assert listed["data"] == [
        {
            "name": "cloud",
            "host": "pbs.example.com",
            "auth-id": "sync@pbs!push",
            "port": 8007,
            "fingerprint": "AB:" * 31 + "CD",
            "comment": "off-site",
        }
    ]
    # POST stores the comment as sent; section-config parsing trims values when reading it back
    assert "\tcomment   off-site  \n" in (pbs_sim.data_dir / "remote.cfg").read_text()
    item = pbs_sim.api("GET", "/config/remote/cloud").json()
    assert "password" not in item["data"]
    assert item["digest"] == listed["digest"] == file_digest(pbs_sim, "remote.cfg")


def test_password_stored_base64_in_remote_cfg(pbs_sim):
    make_remote(pbs_sim)
    text = (pbs_sim.data_dir / "remote.cfg").read_text()
    assert text == (
        "remote: cloud\n"
        "\tauth-id sync@pbs!push\n"
        "\thost pbs.example.com\n"
        f"\tpassword {base64.b64encode(b's3cret-pw').decode()}\n"
    )
    assert "s3cret-pw" not in text


def test_optional_fields_are_omitted_not_null(pbs_sim):
    make_remote(pbs_sim)
    item = data(pbs_sim.api("GET", "/config/remote/cloud"))
    assert set(item) == {"name", "host", "auth-id"}


def test_duplicate_name(pbs_sim):
    make_remote(pbs_sim)
    response = pbs_sim.api("POST", "/config/remote", json=REMOTE)
    error(response, 400, "parameter verification failed - 'name': remote 'cloud' already exists.")


def test_unknown_remote_is_400_on_get_and_put_but_404_on_delete(pbs_sim):
    error(pbs_sim.api("GET", "/config/remote/nope"), 400, "no such remote 'nope'")
    error(pbs_sim.api("PUT", "/config/remote/nope", json={"comment": "x"}), 400, "no such remote 'nope'")
    error(pbs_sim.api("DELETE", "/config/remote/nope"), 404, "remote 'nope' does not exist.")


def test_update_fields_delete_list_and_password(pbs_sim):
    make_remote(pbs_sim, port=8007, comment="old")
    data(
        pbs_sim.api("PUT", "/config/remote/cloud", json={"delete": ["port", "comment"], "password": "new-pw"})
    )
    item = data(pbs_sim.api("GET", "/config/remote/cloud"))
    assert "port" not in item and "comment" not in item
    assert base64.b64encode(b"new-pw").decode() in (pbs_sim.data_dir / "remote.cfg").read_text()


def test_field_both_deleted_and_set_ends_up_set(pbs_sim):
    make_remote(pbs_sim, port=8007)
    data(pbs_sim.api("PUT", "/config/remote/cloud", data=[("delete", "port"), ("port", "9000")]))
    assert data(pbs_sim.api("GET", "/config/remote/cloud"))["port"] == 9000


def test_comment_trimmed_on_put_and_empty_deletes(pbs_sim):
    make_remote(pbs_sim)
    data(pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "  trimmed  "}))
    assert data(pbs_sim.api("GET", "/config/remote/cloud"))["comment"] == "trimmed"
    data(pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "   "}))
    assert "comment" not in data(pbs_sim.api("GET", "/config/remote/cloud"))


def test_digest_is_file_wide_and_checked(pbs_sim):
    make_remote(pbs_sim)
    before = pbs_sim.api("GET", "/config/remote/cloud").json()["digest"]
    make_remote(pbs_sim, name="other")
    after = pbs_sim.api("GET", "/config/remote/cloud").json()["digest"]
    assert before != after  # another remote changed the whole file's digest
    stale = pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "x", "digest": before})
    error(stale, 400, "detected modified configuration - file changed by other user? Try again.")
    data(pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": "x", "digest": after}))


def test_digest_checked_before_existence(pbs_sim):
    wrong = "0" * 64
    response = pbs_sim.api("PUT", "/config/remote/nope", json={"comment": "x", "digest": wrong})
    error(response, 400, "detected modified configuration - file changed by other user? Try again.")


def test_digest_schema_is_lower_hex(pbs_sim):
    make_remote(pbs_sim)
    response = pbs_sim.api("DELETE", "/config/remote/cloud", params={"digest": "A" * 64})
    error(response, 400, "parameter verification failed - 'digest': value does not match the regex pattern")


def test_remote_in_use_cannot_be_deleted(pbs_sim):
    make_remote(pbs_sim)
    make_job(pbs_sim, "pull1")
    response = pbs_sim.api("DELETE", "/config/remote/cloud", params={"digest": "0" * 64})
    # checked before the digest and existence
    error(
        response,
        400,
        "parameter verification failed - 'name': "
        "remote 'cloud' is used by sync job 'pull1' (datastore 'store1')",
    )
    data(pbs_sim.api("DELETE", "/config/sync/pull1"))
    data(pbs_sim.api("DELETE", "/config/remote/cloud"))
    assert data(pbs_sim.api("GET", "/config/remote")) == []


def test_field_schemas(pbs_sim):
    bad = {**REMOTE, "name": "ab", "host": "bad host", "port": 70000, "fingerprint": "zz"}
    response = pbs_sim.api("POST", "/config/remote", json=bad)
    error(
        response,
        400,
        "parameter verification failed:\n"
        "- 'fingerprint': value does not match the regex pattern\n"
        "- 'host': value does not match the regex pattern\n"
        "- 'name': value must be at least 3 characters long\n"
        "- 'port': value must have a maximum value of 65535 (got 70000)",
    )


def test_password_required_on_create(pbs_sim):
    body = {k: v for k, v in REMOTE.items() if k != "password"}
    error(
        pbs_sim.api("POST", "/config/remote", data=body),
        400,
        "parameter verification failed - 'password': parameter is missing and it is not optional.",
    )


def test_list_is_filtered_by_remote_audit(pbs_sim):
    from tests.sim.support import as_token, grant, make_token, make_user

    make_remote(pbs_sim)
    make_remote(pbs_sim, name="other")
    make_user(pbs_sim, "alice@pbs")
    secret = make_token(pbs_sim, "alice@pbs", "t1")
    for who in ("alice@pbs", "alice@pbs!t1"):
        grant(pbs_sim, "/remote/other", who, "RemoteAudit")
    listed = data(as_token(pbs_sim, "alice@pbs!t1", secret, "GET", "/config/remote"))
    assert [r["name"] for r in listed] == ["other"]
    # router-level permission on an item: 403
    error(
        as_token(pbs_sim, "alice@pbs!t1", secret, "GET", "/config/remote/cloud"),
        403,
        "permission check failed",
    )
