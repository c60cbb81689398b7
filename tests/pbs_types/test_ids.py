"""Identifier and path grammars against PBS's own vectors and rules."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbs_types import ids
from pbs_types.errors import PbsValueError
from pbs_types.rules import SchemaViolation

safe_ids = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9._\-]{0,15}\Z")


# --- SAFE_ID names -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["abc", "store1", "a.b-c_d", "_x1", "0ab", "a" * 32])
def test_datastore_name_accepts_safe_ids(name):
    assert ids.DATASTORE_NAME_RULE.check(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ab", "value must be at least 3 characters long"),
        ("a" * 33, "value may only be 32 characters long"),
        (".abc", "value does not match the regex pattern"),
        ("-abc", "value does not match the regex pattern"),
        ("ab/c", "value does not match the regex pattern"),
        ("ab c", "value does not match the regex pattern"),
        ("abc\n", "value does not match the regex pattern"),
        ("äbc", "value does not match the regex pattern"),
    ],
)
def test_datastore_name_rejections_use_pbs_messages(name, message):
    with pytest.raises(SchemaViolation) as err:
        ids.DATASTORE_NAME_RULE.check(name)
    assert str(err.value) == message


def test_remote_job_and_key_ids_share_the_3_to_32_rule():
    for rule in (ids.REMOTE_NAME_RULE, ids.JOB_ID_RULE, ids.CRYPT_KEY_ID_RULE):
        assert rule.is_valid("abc") and not rule.is_valid("ab") and not rule.is_valid("x" * 33)


def test_realm_is_2_to_32():
    assert ids.REALM_RULE.is_valid("ad")
    assert not ids.REALM_RULE.is_valid("a")


# --- user ids and auth ids -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("root@pam", ids.AuthId("root", "pam")),
        ("sync-in@pbs", ids.AuthId("sync-in", "pbs")),
        ("sync@pbs!push", ids.AuthId("sync", "pbs", "push")),
        ("a!b@pam", ids.AuthId("a!b", "pam")),  # '!' before the last '@' belongs to the name
        ("mail@example.com@ldap", ids.AuthId("mail@example.com", "ldap")),
        ("jörg@pbs", ids.AuthId("jörg", "pbs")),
    ],
)
def test_parse_authid(text, expected):
    parsed = ids.parse_authid(text)
    assert parsed == expected
    assert str(parsed) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ab", "value must be at least 3 characters long"),
        ("u" * 60 + "@pbs!tok", "value may only be 64 characters long"),
        ("root", "value does not match the regex pattern"),
        ("ro ot@pam", "value does not match the regex pattern"),
        ("ro:ot@pam", "value does not match the regex pattern"),
        ("ro/ot@pam", "value does not match the regex pattern"),
        ("root@pam!", "value does not match the regex pattern"),
        ("root@pam!.x", "value does not match the regex pattern"),
        ("root@p", "invalid realm in user id"),  # pattern allows it, Userid::from_str does not
        ("root@p!tok", "invalid realm in user id"),
    ],
)
def test_parse_authid_rejections(text, message):
    with pytest.raises(PbsValueError) as err:
        ids.parse_authid(text)
    assert str(err.value) == message


def test_userid_rejects_token_ids():
    with pytest.raises(PbsValueError, match="value does not match the regex pattern"):
        ids.parse_userid("sync@pbs!push")
    assert ids.parse_userid("sync@pbs").userid == "sync@pbs"


def test_token_properties():
    token = ids.parse_authid("sync@pbs!push")
    assert token.is_token and token.userid == "sync@pbs" and token.token == "push"
    assert not ids.parse_authid("sync@pbs").is_token


@given(name=safe_ids, realm=st.from_regex(r"\A[a-z][a-z0-9]{1,10}\Z"), token=st.none() | safe_ids)
def test_authid_round_trips(name, realm, token):
    auth = ids.AuthId(name, realm, token)
    assert ids.parse_authid(str(auth)) == auth


# --- namespaces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ns", "components"),
    [("", ()), ("a", ("a",)), ("a/b", ("a", "b")), ("/".join("abcdefg"), tuple("abcdefg"))],
)
def test_parse_namespace(ns, components):
    assert ids.parse_namespace(ns) == components
    assert ids.namespace_depth(ns) == len(components)


@pytest.mark.parametrize(
    ("ns", "message"),
    [
        ("/a", "value does not match the regex pattern"),
        ("a/", "value does not match the regex pattern"),
        ("a//b", "value does not match the regex pattern"),
        ("a/.b", "value does not match the regex pattern"),
        ("/".join("abcdefghi"), "value does not match the regex pattern"),  # 9 levels
        ("/".join("abcdefgh"), "namespace too deep, 7 >= max 7"),  # 8 levels pass the regex
        ("/".join(["x" * 32] * 7) + "/" + "y" * 30, "value may only be 256 characters long"),
    ],
)
def test_parse_namespace_rejections(ns, message):
    with pytest.raises(PbsValueError) as err:
        ids.parse_namespace(ns)
    assert str(err.value) == message


@pytest.mark.parametrize(("ns", "max_depth"), [("", 7), ("a", 6), ("a/b/c", 4), ("a/b/c/d/e/f/g", 0)])
def test_max_depth_within_limit(ns, max_depth):
    ids.check_namespace_max_depth(ns, max_depth)


def test_max_depth_over_limit_message():
    with pytest.raises(PbsValueError) as err:
        ids.check_namespace_max_depth("a/b", 6)
    assert str(err.value) == "namespace 'a/b's depth and recursion depth exceed limit: 2 + 6 > 7"
    with pytest.raises(
        PbsValueError, match=r"^namespace ''s depth and recursion depth exceed limit: 0 \+ 8 > 7$"
    ):
        ids.check_namespace_max_depth("", 8)


@given(st.lists(safe_ids, max_size=7))
def test_namespace_join_parse_round_trip(components):
    ns = "/".join(components)
    assert ids.parse_namespace(ns) == tuple(components)


def test_ns_max_depth_bounds():
    assert ids.NS_MAX_DEPTH_RULE.check(0) == 0
    with pytest.raises(SchemaViolation, match=r"^value must have a maximum value of 7 \(got 8\)$"):
        ids.NS_MAX_DEPTH_RULE.check(8)


# --- hosts, fingerprints, comments, passwords --------------------------------------------


# The IP vectors of proxmox-schema's `test_regexes`, plus DNS names.
@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "::1",
        "2014:b3a::27",
        "2014:b3a::192.168.0.1",
        "2014:b3a:0102:adf1:1234:4321:4afA:BCDF",
        "pbs.example.com",
        "localhost",
        "a-b.c",
        "::",
        "fe80::1",
    ],
)
def test_host_accepts_names_and_addresses(host):
    assert ids.HOST_RULE.is_valid(host)


@pytest.mark.parametrize(
    "host",
    ["[::1]", "pbs.example.com:8007", "-pbs.example.com", "pbs_1.example", "a..b", "", "1:2:3:4:5:6:7:8:9"],
)
def test_host_rejects_brackets_ports_and_bad_names(host):
    assert not ids.HOST_RULE.is_valid(host)


def test_fingerprint_pattern_and_normalisation():
    fingerprint = ":".join(["AB"] * 32)
    assert ids.FINGERPRINT_RULE.is_valid(fingerprint)
    assert ids.normalize_fingerprint(fingerprint) == ":".join(["ab"] * 32)
    assert not ids.FINGERPRINT_RULE.is_valid(":".join(["ab"] * 31))
    assert not ids.FINGERPRINT_RULE.is_valid("ab" * 32)


def test_comment_is_single_line_and_at_most_128():
    assert ids.COMMENT_RULE.is_valid("")
    assert ids.COMMENT_RULE.is_valid("ünïcode and spaces " * 6)
    assert not ids.COMMENT_RULE.is_valid("two\nlines")
    assert not ids.COMMENT_RULE.is_valid("tab\there")
    assert not ids.COMMENT_RULE.is_valid("del\x7f")
    with pytest.raises(SchemaViolation, match=r"^value may only be 128 characters long$"):
        ids.COMMENT_RULE.check("x" * 129)


def test_remote_password_bounds():
    assert ids.REMOTE_PASSWORD_RULE.is_valid("d63e505a-e3ec-449a-9bc7-1da610d4ccde")
    assert not ids.REMOTE_PASSWORD_RULE.is_valid("")
    assert not ids.REMOTE_PASSWORD_RULE.is_valid("x" * 1025)
    assert not ids.REMOTE_PASSWORD_RULE.is_valid("a\x00b")


def test_digest_is_lower_hex_64():
    assert ids.DIGEST_RULE.is_valid("a" * 64)
    assert not ids.DIGEST_RULE.is_valid("A" * 64)


# --- backup groups ---------------------------------------------------------------------------


def test_parse_backup_group():
    assert ids.parse_backup_group("vm/100") == ("vm", "100")
    assert ids.parse_backup_group("host/my.host-1") == ("host", "my.host-1")
    with pytest.raises(PbsValueError, match=r"^unable to parse backup group path 'qemu/100'$"):
        ids.parse_backup_group("qemu/100")


# --- ACL paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/access",
        "/access/acl",
        "/access/users",
        "/access/domains",
        "/access/openid/realm1",
        "/datastore",
        "/datastore/store1",
        "/datastore/store1/a/b/c/d/e/f/g",
        "/remote",
        "/remote/cloud",
        "/remote/cloud/offsite/a/b/c/d/e/f/g",
        "/system",
        "/system/status",
        "/system/tasks",
        "/system/services/proxmox-backup",
        "/system/network",
        "/system/network/dns",
        "/system/network/interfaces/eth0",
        "/system/encryption-keys/key1",
        "/tape",
        "/tape/pool/p1",
        "/tape/device/d1",
        "/tape/job/j1",
    ],
)
def test_valid_acl_paths(path):
    assert ids.validate_acl_path(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "/storage",
        "/access/acl/x",
        "/access/foo",
        "/datastore/store1/a/b/c/d/e/f/g/h",
        "/remote/cloud/offsite/a/b/c/d/e/f/g/h",
        "/system/status/x",
        "/system/network/dns/x",
        "/system/foo",
        "/tape/pool/p1/x",
        "/tape/drive",
    ],
)
def test_invalid_acl_paths(path):
    with pytest.raises(PbsValueError) as err:
        ids.check_acl_path(path)
    assert str(err.value) == f"invalid acl path '{path}'."


def test_acl_path_schema_runs_before_structure():
    with pytest.raises(SchemaViolation, match=r"^value does not match the regex pattern$"):
        ids.validate_acl_path("datastore/store1")
    with pytest.raises(SchemaViolation, match=r"^value does not match the regex pattern$"):
        ids.validate_acl_path("/datastore/")


def test_roles_are_reachable_from_ids():
    assert ids.check_role("DatastoreBackup") == "DatastoreBackup"
    assert ids.ROLE_PRIVILEGES["RemoteSyncOperator"] == frozenset({"Remote.Audit", "Remote.Read"})


# --- URL path segments -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["store1", "root@pam", "sync@pbs!push", "a.b", "x?y#z"])
def test_safe_path_segments(value):
    assert ids.check_path_segment(value) == value


@pytest.mark.parametrize("value", ["", ".", "..", ".hidden", "a/b", "50%", "a\nb", "a\x7fb"])
def test_unsafe_path_segments(value):
    with pytest.raises(PbsValueError):
        ids.check_path_segment(value)


def test_quote_path_segment_encodes_reserved_characters():
    assert ids.quote_path_segment("sync@pbs!push") == "sync@pbs!push"
    assert ids.quote_path_segment("x?y#z") == "x%3Fy%23z"
    assert ids.quote_path_segment("UPID:pbs1:a\\x3ab:") == "UPID%3Apbs1%3Aa%5Cx3ab%3A"


@given(safe_ids)
def test_every_safe_id_is_a_safe_segment(value):
    assert ids.quote_path_segment(value) == value


# --- namespace creation and the stored remote password ------------------------------------------


@pytest.mark.parametrize("ns", ["a", "x" * 32, "a/" + "y" * 32, "/".join("abcdefg")])
def test_creatable_namespaces(ns):
    assert ids.check_namespace_creatable(ns) == tuple(ns.split("/"))


@pytest.mark.parametrize(
    ("ns", "message"),
    [
        ("", "Cannot create/delete root namespace!"),
        ("x" * 33, f"namespace component '{'x' * 33}': value may only be 32 characters long"),
        ("a/" + "y" * 33, f"namespace component '{'y' * 33}': value may only be 32 characters long"),
        ("/".join("abcdefgh"), "namespace too deep, 7 >= max 7"),
    ],
)
def test_namespaces_pbs_cannot_create(ns, message):
    with pytest.raises(ids.InvalidId) as err:
        ids.check_namespace_creatable(ns)
    assert str(err.value) == message


def test_a_long_component_is_still_a_valid_namespace_path():
    assert ids.parse_namespace("x" * 40) == ("x" * 40,)  # only creation limits a component


@pytest.mark.parametrize(("password", "length"), [("p", 4), ("x" * 768, 1024), ("ü" * 384, 1024)])
def test_remote_password_is_stored_base64(password, length):
    encoded = ids.encode_remote_password(password)
    assert len(encoded) == length and base64.b64decode(encoded).decode() == password


@pytest.mark.parametrize("password", ["x" * 769, "ü" * 385, "x" * 1024])
def test_remote_password_over_768_bytes_cannot_be_stored(password):
    with pytest.raises(PbsValueError, match="characters long base64-encoded"):
        ids.encode_remote_password(password)
