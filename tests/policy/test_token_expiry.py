"""api-token-expires: API tokens have an expiry."""

import pytest
from pbs_policy.rules import token_expiry

from .builders import UNKNOWN_STRING_VALUE, api_token, check_resource, remote

POLICY = token_expiry.policy()


def test_token_with_expiry_passes():
    assert check_resource(POLICY, api_token("sync-in@pbs", "push", expire=1_900_000_000)).reported == []


def test_expiry_not_known_during_preview_is_not_judged():
    assert (
        check_resource(POLICY, api_token("sync-in@pbs", "push", expire=UNKNOWN_STRING_VALUE)).reported == []
    )


@pytest.mark.parametrize("props", [{}, {"expire": 0}, {"expire": None}, {"expire": True}, {"expire": "2030"}])
def test_token_without_expiry_is_reported(props):
    violations = check_resource(POLICY, api_token("sync-in@pbs", "push", **props))
    assert len(violations.reported) == 1
    assert "'sync-in@pbs!push' on server 'cloud' never expires" in violations.messages[0]


def test_other_resource_types_are_ignored():
    assert check_resource(POLICY, remote("cloud", "pbs.example.com")).reported == []
