"""User values in API paths stay one segment: encoded, and refused when they could escape."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbs_provider.client.paths import UnsafePathError, api_path, check_path, path_segment


def test_values_are_percent_encoded_as_one_segment():
    assert api_path("access", "users", "sync@pbs!push") == "/access/users/sync%40pbs%21push"
    upid = "UPID:pbs1:000004D2:0000162E:00000002:6650A1B2:syncjob:cloud\\x3aoffsite:root@pam:"
    encoded = path_segment(upid)
    assert "/" not in encoded and ":" not in encoded and "\\" not in encoded
    assert check_path(api_path("nodes", "localhost", "tasks", upid, "status"))


@pytest.mark.parametrize("value", ["", ".", "..", ".hidden", "a/b", "a%2Fb", "a%2fb", "x\ny", "a b", "%41"])
def test_unsafe_segments_are_refused(value):
    with pytest.raises(UnsafePathError):
        path_segment(value)


@pytest.mark.parametrize(
    "path",
    [
        "config/remote",
        "/",
        "/config//remote",
        "/config/../access",
        "/config/%2e%2e/x",
        "/config/remote%2Fx",
        "/config/remote?x=1",
        "/config/.x",
    ],
)
def test_unsafe_assembled_paths_are_refused(path):
    with pytest.raises(UnsafePathError):
        check_path(path)


@given(st.text(min_size=1, max_size=40))
def test_any_accepted_value_stays_one_segment_and_decodes_back(value):
    try:
        encoded = path_segment(value)
    except UnsafePathError:
        assert (
            "/" in value
            or "%" in value
            or value.startswith(".")
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value)
        )
        return
    assert "/" not in encoded and "?" not in encoded and "#" not in encoded
    assert unquote(encoded) == value
    assert check_path("/config/remote/" + encoded)
