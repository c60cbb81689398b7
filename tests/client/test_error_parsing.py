"""PBS error bodies → typed errors: statuses, texts, parameter fields, hints, redaction."""

from __future__ import annotations

import pickle

import pytest

from pbs_provider.client.errors import (
    AlreadyExists,
    AuthenticationFailed,
    DigestConflict,
    NotFound,
    ParameterError,
    PbsError,
    PermissionDenied,
    RequestContext,
    ServerError,
    clean_message,
    error_from_response,
    parse_parameter_fields,
)

CONTEXT = RequestContext(
    server="cloud",
    auth_id="sync@pbs!push",
    host="pbs.example.com",
    port=8007,
    method="PUT",
    path="/config/remote/x",
)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, "no such remote 'x'", NotFound),
        (400, "no such sync 'job1'", NotFound),
        (400, "no such key or cannot access key 'k1'", ParameterError),  # a referenced key, not the object
        (404, "remote 'x' does not exist.", NotFound),
        (400, "user 'a@pbs' does not exist.", NotFound),
        (400, "token 't' of user 'a@pbs' does not exist.", NotFound),
        (404, "Path '/api2/json/config/nothing' not found.", NotFound),
        (400, "parameter verification failed - 'name': remote 'x' already exists.", AlreadyExists),
        (400, "user 'a@pbs' already exists.", AlreadyExists),
        (400, "token 'push' for user 'a@pbs' already exists.", AlreadyExists),
        (401, "authentication failed", AuthenticationFailed),
        (401, "permission check failed.", AuthenticationFailed),
        (403, "permission check failed", PermissionDenied),
        (400, "permission check failed", PermissionDenied),
        (400, "missing permissions 'Remote.Read' on '/remote/x/y'", PermissionDenied),
        (400, "permission check failed, 'a@pbs!t' is missing access", PermissionDenied),
        (400, "detected modified configuration - file changed by other user? Try again.", DigestConflict),
        (
            400,
            "parameter verification failed - 'port': value must have a maximum value of 65535 (got 70000)",
            ParameterError,
        ),
        (500, "failed to scan remote 'x' - remote connection to 'h' failed", ServerError),
        (503, "Service Unavailable", ServerError),
        (400, "source and target datastore can't be the same", PbsError),
    ],
)
def test_status_and_text_select_the_error_type(status, body, kind):
    error = error_from_response(status, body, CONTEXT)
    assert type(error) is kind
    assert error.status == status
    assert error.message == body
    assert error.server == "cloud"
    assert body in str(error) and "cloud: PUT /config/remote/x" in str(error)


def test_single_parameter_error_is_split_into_field_and_message():
    body = "parameter verification failed - 'schedule': unable to parse calendar event at 'x' - bad"
    error = error_from_response(400, body, CONTEXT)
    assert isinstance(error, ParameterError)
    assert error.fields == {"schedule": "unable to parse calendar event at 'x' - bad"}


def test_multi_line_parameter_error_is_split_per_field():
    body = (
        "parameter verification failed:\n"
        "- 'name': value must be at least 3 characters long\n"
        "- 'host': value does not match the regex pattern"
    )
    assert parse_parameter_fields(body) == {
        "name": "value must be at least 3 characters long",
        "host": "value does not match the regex pattern",
    }


def test_handler_parameter_text_is_a_field_too():
    assert parse_parameter_fields("parameter 'group' - groups are currently not supported.") == {
        "group": "groups are currently not supported."
    }


def test_unknown_field_gets_the_older_server_hint():
    error = error_from_response(
        400,
        "parameter verification failed - 'worker-threads': schema does not allow additional properties",
        CONTEXT,
    )
    assert isinstance(error, ParameterError)
    assert "older than the PBS release" in (error.hint or "")


def test_remote_in_use_gets_the_ordering_hint():
    error = error_from_response(
        400,
        "parameter verification failed - 'name': remote 'x' is used by sync job 'j' (datastore 's')",
        CONTEXT,
    )
    assert isinstance(error, ParameterError) and "sync jobs that use this remote" in (error.hint or "")


def test_401_hint_names_the_auth_id_and_the_fix():
    error = error_from_response(401, "authentication failed", CONTEXT)
    assert error.hint is not None
    assert "`sync@pbs!push` is wrong or expired" in error.hint
    assert "Datastore.Backup" in error.hint
    assert "hint: the token of" in str(error)


def test_permission_hint_explains_token_intersection():
    error = error_from_response(403, "permission check failed", CONTEXT)
    assert "intersection" in (error.hint or "")


def test_missing_endpoint_hint_only_for_unknown_paths():
    assert "older" in (error_from_response(404, "Path '/api2/json/x' not found.", CONTEXT).hint or "")
    assert error_from_response(404, "remote 'x' does not exist.", CONTEXT).hint is None


def test_clean_message_redacts_known_secrets_and_cuts_long_bodies():
    assert clean_message("bad value 'hunter2-secret' here", ("hunter2-secret",)) == "bad value '***' here"
    long_html = "<html>" + "x" * 5000
    assert len(clean_message(long_html)) < 700
    assert clean_message("   ") == "(empty response body)"


def test_errors_survive_pickling_with_their_attributes():
    error = error_from_response(400, "parameter verification failed - 'a': b", CONTEXT)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ParameterError
    assert copy.fields == {"a": "b"} and copy.status == 400 and str(copy) == str(error)


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("PUT", "/config/remote/x", "Remote.Modify on /remote/x"),
        ("POST", "/config/remote", "Remote.Modify on /remote"),
        ("GET", "/config/remote/x", "Remote.Audit on /remote/x"),
        ("DELETE", "/access/users/owner@pbs/token/t1", "Permissions.Modify on /access/users"),
        ("PUT", "/access/acl", "Permissions.Modify on /access/acl"),
        ("POST", "/admin/datastore/store1/namespace", "Datastore.Modify on /datastore/store1"),
    ],
)
def test_permission_hint_names_the_privilege_and_path_pbs_checks(method, path, needed):
    context = RequestContext("cloud", "sync@pbs!push", "pbs.example.com", 8007, method, path)
    error = error_from_response(403, "permission check failed", context)
    assert isinstance(error, PermissionDenied)
    assert needed in (error.hint or "")


def test_unprivileged_acl_answer_is_a_permission_error():
    context = RequestContext("cloud", "sync@pbs!push", "pbs.example.com", 8007, "PUT", "/access/acl")
    error = error_from_response(400, "Unprivileged API tokens can't set ACL items.", context)
    assert isinstance(error, PermissionDenied)
    assert "Permissions.Modify on /access/acl" in (error.hint or "")


def test_busy_job_lock_says_what_to_do():
    body = 'Unable to acquire lock "/var/lib/proxmox-backup/jobstates/syncjob-j.lck" - Interrupted'
    error = error_from_response(400, body, CONTEXT)
    assert "wait until it finishes" in (error.hint or "")
