"""Every error type, as the simulator produces it, reaches the caller typed and with its hint."""

from __future__ import annotations

import pytest

from pbs_provider.client import (
    AlreadyExists,
    DigestConflict,
    NotFound,
    ParameterError,
    PbsClient,
    PermissionDenied,
    ServerError,
    api_path,
)

from .conftest import token_config


@pytest.fixture
def admin(pbs_sim):
    return PbsClient(token_config(pbs_sim), "pbs1")


@pytest.fixture
def limited(pbs_sim, admin):
    """A token of a user without any ACL entry."""
    admin.create("/access/users", {"userid": "limited@pbs"})
    secret = admin.create(api_path("access", "users", "limited@pbs", "token", "t"), {}).data["value"]
    return PbsClient(token_config(pbs_sim, auth_id="limited@pbs!t", secret=secret), "pbs1-limited")


def test_get_of_a_missing_object_is_not_found(admin):
    with pytest.raises(NotFound) as failure:
        admin.get(api_path("config", "remote", "nothere"))
    assert failure.value.status == 400
    assert failure.value.message == "no such remote 'nothere'"
    assert not admin.exists(api_path("config", "remote", "nothere"))


def test_unknown_endpoint_is_not_found_with_version_hint(admin):
    with pytest.raises(NotFound) as failure:
        admin.get("/config/nothing-here")
    assert failure.value.status == 404
    assert "older" in (failure.value.hint or "")


def test_duplicate_create_is_already_exists(admin, remote_body):
    admin.create("/config/remote", remote_body("cloud"))
    with pytest.raises(AlreadyExists) as failure:
        admin.create("/config/remote", remote_body("cloud"))
    assert "remote 'cloud' already exists" in failure.value.message


def test_schema_violations_are_parameter_errors_with_fields(admin, remote_body):
    body = remote_body("x") | {"port": 70000}
    with pytest.raises(ParameterError) as failure:
        admin.create("/config/remote", body)
    assert set(failure.value.fields) >= {"name", "port"}
    assert "65535" in failure.value.fields["port"]


def test_unknown_field_is_a_parameter_error_with_hint(admin, remote_body):
    with pytest.raises(ParameterError) as failure:
        admin.create("/config/remote", remote_body("cloud") | {"no-such-field": True})
    assert "no-such-field" in failure.value.fields
    assert "older than the PBS release" in (failure.value.hint or "")


def test_stale_digest_is_a_digest_conflict(admin, remote_body):
    admin.create("/config/remote", remote_body("one"))
    stale = admin.get(api_path("config", "remote", "one")).digest
    admin.create("/config/remote", remote_body("two"))  # digest is file-wide
    with pytest.raises(DigestConflict) as failure:
        admin.update(api_path("config", "remote", "one"), {"comment": "x"}, digest=stale)
    assert failure.value.status == 400


def test_router_level_denial_is_permission_denied_with_token_hint(limited):
    with pytest.raises(PermissionDenied) as failure:
        limited.update(api_path("config", "remote", "cloud"), {"comment": "x"})
    assert failure.value.status == 403
    assert "intersection" in (failure.value.hint or "")


def test_handler_level_denial_400_is_permission_denied(admin, limited):
    admin.create(
        "/config/sync", {"id": "job1", "store": "store1", "remote-store": "store1", "remote": "cloud"}
    )
    with pytest.raises(PermissionDenied) as failure:
        limited.get(api_path("config", "sync", "job1"))
    assert failure.value.status == 400


def test_internal_error_is_server_error(pbs_sim, admin):
    pbs_sim.inject_fault(method="GET", path="/api2/json/version", count=1, status=500, body="boom")
    with pytest.raises(ServerError) as failure:
        admin.get("/version")
    assert failure.value.status == 500 and failure.value.message == "boom"
