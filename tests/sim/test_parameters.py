"""Parameter parsing: form vs JSON bodies, booleans, integers, arrays, unknown and
missing parameters, and their exact messages."""

from __future__ import annotations

import pytest

from tests.sim.support import REMOTE, data, error, make_job, make_remote


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1", True),
        ("on", True),
        ("YES", True),
        ("True", True),
        ("0", False),
        ("off", False),
        ("no", False),
        ("FALSE", False),
    ],
)
def test_form_booleans(pbs_sim, text, expected):
    make_job(pbs_sim, "job1")
    data(pbs_sim.api("PUT", "/config/sync/job1", data={"remove-vanished": text}))
    assert data(pbs_sim.api("GET", "/config/sync/job1"))["remove-vanished"] is expected


def test_form_boolean_error(pbs_sim):
    make_job(pbs_sim, "job1")
    error(
        pbs_sim.api("PUT", "/config/sync/job1", data={"remove-vanished": "maybe"}),
        400,
        "parameter verification failed - 'remove-vanished': Unable to parse boolean option.",
    )


def test_json_types_are_strict(pbs_sim):
    make_job(pbs_sim, "job1")
    error(
        pbs_sim.api(
            "PUT", "/config/sync/job1", json={"remove-vanished": "true", "max-depth": "2", "comment": 5}
        ),
        400,
        "parameter verification failed:\n"
        "- 'comment': Expected string value.\n"
        "- 'max-depth': Expected integer value.\n"
        "- 'remove-vanished': Expected boolean value.",
    )
    error(
        pbs_sim.api("PUT", "/config/sync/job1", json={"group-filter": "type:vm"}),
        400,
        "parameter verification failed - 'group-filter': Expected array - got scalar value.",
    )
    error(
        pbs_sim.api("PUT", "/config/sync/job1", json={"rate-in": 1000}),
        400,
        "parameter verification failed - 'rate-in': Expected string value.",
    )


def test_form_integers(pbs_sim):
    make_remote(pbs_sim)
    error(
        pbs_sim.api("PUT", "/config/remote/cloud", data={"port": "80x"}),
        400,
        "parameter verification failed - 'port': invalid digit found in string",
    )
    data(pbs_sim.api("PUT", "/config/remote/cloud", data={"port": "+8007"}))
    assert data(pbs_sim.api("GET", "/config/remote/cloud"))["port"] == 8007


def test_duplicate_scalar_and_repeated_array_keys(pbs_sim):
    make_remote(pbs_sim)
    error(
        pbs_sim.api("PUT", "/config/remote/cloud", data=[("port", "1"), ("port", "2")]),
        400,
        "parameter verification failed - 'port': duplicate parameter.",
    )
    make_job(pbs_sim, "job1")
    data(
        pbs_sim.api(
            "PUT", "/config/sync/job1", data=[("group-filter", "type:vm"), ("group-filter", "type:ct")]
        )
    )
    assert data(pbs_sim.api("GET", "/config/sync/job1"))["group-filter"] == ["type:vm", "type:ct"]


def test_unknown_parameters(pbs_sim):
    error(
        pbs_sim.api("POST", "/config/remote", data={**REMOTE, "colour": "blue"}),
        400,
        "parameter verification failed - 'colour': schema does not allow additional properties.",
    )
    error(
        pbs_sim.api("POST", "/config/remote", json={**REMOTE, "colour": "blue"}),
        400,
        "parameter verification failed - 'colour': schema does not allow additional properties",
    )


def test_missing_parameters(pbs_sim):
    error(
        pbs_sim.api("POST", "/config/remote", data={"name": "cloud"}),
        400,
        "parameter verification failed:\n"
        "- 'auth-id': parameter is missing and it is not optional.\n"
        "- 'host': parameter is missing and it is not optional.\n"
        "- 'password': parameter is missing and it is not optional.",
    )
    error(
        pbs_sim.api("POST", "/config/remote", json={"name": "cloud", "host": "h", "auth-id": "a@pbs"}),
        400,
        "parameter verification failed - 'password': property is missing and it is not optional",
    )


def test_json_null_is_rejected(pbs_sim):
    make_remote(pbs_sim)
    error(
        pbs_sim.api("PUT", "/config/remote/cloud", json={"comment": None}),
        400,
        "parameter verification failed - 'comment': Expected string value.",
    )


def test_form_merges_query_and_body_json_ignores_query(pbs_sim):
    make_remote(pbs_sim)
    # form: the query string counts (here: the digest is checked)
    stale = pbs_sim.api("DELETE", "/config/remote/cloud", params={"digest": "0" * 64})
    error(stale, 400, "detected modified configuration - file changed by other user? Try again.")
    # JSON content type: the query string is silently ignored, so the stale digest is not seen
    response = pbs_sim.api(
        "DELETE",
        "/config/remote/cloud",
        params={"digest": "0" * 64},
        headers={"Content-Type": "application/json"},
    )
    assert data(response) is None
    assert data(pbs_sim.api("GET", "/config/remote")) == []


def test_dc_query_parameter_is_ignored(pbs_sim):
    assert data(pbs_sim.api("GET", "/config/remote", params={"_dc": "12345"})) == []


def test_unsupported_content_type(pbs_sim):
    response = pbs_sim.api("POST", "/config/remote", data="name=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.text.startswith("unsupported content type")


def test_path_parameter_is_schema_checked(pbs_sim):
    error(
        pbs_sim.api("GET", "/config/remote/ab"),
        400,
        "parameter verification failed - 'name': value must be at least 3 characters long",
    )
