"""PBS versions (parse, compare) and the role -> privileges table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbs_types import roles
from pbs_types.rules import SchemaViolation
from pbs_types.version import PbsVersion, VersionError, parse_version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.2.3", PbsVersion(4, 2, 3)),
        ("3.4", PbsVersion(3, 4, 0)),
        ("4.2-3", PbsVersion(4, 2, 3)),
        ("4.2.3-1", PbsVersion(4, 2, 3)),
        (" 4.10.0 ", PbsVersion(4, 10, 0)),
    ],
)
def test_parse(text, expected):
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["", "4", "four.two", "4.2.x", "v4.2.3"])
def test_parse_rejects_garbage(text):
    with pytest.raises(VersionError):
        PbsVersion.parse(text)


def test_from_api_answer():
    assert PbsVersion.from_api({"version": "4.2", "release": "3", "repoid": "abc"}) == PbsVersion(4, 2, 3)
    assert PbsVersion(4, 2, 3).to_api() == {"version": "4.2", "release": "3"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": "4", "release": "3"}, "malformed API version 4"),
        ({"version": "x.2", "release": "3"}, "failed to parse major version"),
        ({"version": "4.y", "release": "3"}, "failed to parse minor version"),
        ({"version": "4.2", "release": "z"}, "failed to parse release version"),
    ],
)
def test_from_api_errors_use_pbs_texts(data, message):
    with pytest.raises(VersionError) as err:
        PbsVersion.from_api(data)
    assert str(err.value) == message


# The mixed-level comparisons of pbs-api-types `version.rs` tests.
def test_ordering_follows_major_minor_release():
    assert PbsVersion(2, 0, 0) > PbsVersion(1, 9, 9)
    assert PbsVersion(2, 2, 0) > PbsVersion(2, 1, 9)
    assert PbsVersion(2, 2, 2) > PbsVersion(2, 2, 1)
    assert PbsVersion(4, 10, 0) > PbsVersion(4, 9, 0)
    assert PbsVersion(3, 4, 1) < PbsVersion(4, 1, 8) <= PbsVersion(4, 2, 3)


@given(st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)))
def test_str_parse_round_trip(parts):
    version = PbsVersion(*parts)
    assert PbsVersion.parse(str(version)) == version


@given(
    st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
)
def test_order_matches_tuple_order(a, b):
    assert (PbsVersion(*a) < PbsVersion(*b)) == (a < b)


# --- roles ---------------------------------------------------------------------------------


def test_role_table_matches_the_reference():
    assert roles.ROLE_PRIVILEGES["Admin"] == frozenset(roles.PRIVILEGES)
    assert roles.ROLE_PRIVILEGES["NoAccess"] == frozenset()
    assert roles.ROLE_PRIVILEGES["DatastoreBackup"] == {"Datastore.Backup"}
    assert roles.ROLE_PRIVILEGES["DatastorePowerUser"] == {"Datastore.Backup", "Datastore.Prune"}
    assert roles.ROLE_PRIVILEGES["RemoteDatastoreAdmin"] == {
        "Remote.Audit",
        "Remote.DatastoreBackup",
        "Remote.DatastoreModify",
        "Remote.DatastorePrune",
    }
    assert len(roles.ROLE_PRIVILEGES) == 18
    assert set(roles.ROLE_COMMENTS) == set(roles.ROLE_PRIVILEGES)


def test_check_role_is_case_sensitive_with_enum_message():
    assert roles.check_role("Audit") == "Audit"
    with pytest.raises(SchemaViolation) as err:
        roles.check_role("audit")
    assert str(err.value) == "value 'audit' is not defined in the enumeration."


def test_privileges_of_unions_roles():
    assert roles.privileges_of(["DatastoreReader", "RemoteAudit"]) == {
        "Datastore.Audit",
        "Datastore.Verify",
        "Datastore.Read",
        "Remote.Audit",
    }


def test_push_roles_are_version_gated():
    assert roles.ROLE_SINCE["RemoteSyncPushOperator"] == PbsVersion(3, 2, 11)
    assert "DatastoreAdmin" not in roles.ROLE_SINCE
