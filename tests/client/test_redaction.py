"""Secrets (password, token secret, ticket, CSRF token) never show in messages, logs or reprs."""

from __future__ import annotations

import logging
import re

import pytest

from pbs_provider.client import PbsClient, PbsError, api_path

from .conftest import password_config, token_config

RECOGNISABLE = "ZEBRA-7f3e-SECRET-91ab"


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text


def test_password_session_leaks_nothing(pbs_sim, debug_logs, remote_body):
    client = PbsClient(password_config(pbs_sim), "pbs1")
    client.create("/config/remote", remote_body("cloud") | {"password": RECOGNISABLE})
    client.get("/config/remote")
    auth = client._auth
    ticket, csrf = auth._ticket, auth._csrf
    assert ticket and csrf
    secrets = (pbs_sim.root_password, ticket, csrf, RECOGNISABLE)
    _no_secret(debug_logs.text, *secrets)
    _no_secret(repr(client) + repr(auth) + repr(client.server) + str(client.server), *secrets)
    with pytest.raises(PbsError) as failure:
        client.create("/config/remote", remote_body("cloud") | {"password": RECOGNISABLE})
    _no_secret(str(failure.value) + repr(failure.value) + repr(failure.value.__dict__), *secrets)


def test_wrong_secrets_do_not_appear_in_errors_or_logs(pbs_sim, debug_logs):
    for config in (
        token_config(pbs_sim, secret=RECOGNISABLE),
        password_config(pbs_sim, secret=RECOGNISABLE),
    ):
        with pytest.raises(PbsError) as failure:
            PbsClient(config, "pbs1").get(api_path("config", "remote"))
        error = failure.value
        _no_secret(str(error) + repr(error) + repr(error.__dict__) + repr(error.__cause__), RECOGNISABLE)
    _no_secret(debug_logs.text, RECOGNISABLE)


def test_server_echoing_a_secret_is_redacted(pbs_sim):
    pbs_sim.inject_fault(
        method="GET",
        path="/api2/json/version",
        count=1,
        status=400,
        body=f"bad token {pbs_sim.admin_token_secret} in request",
    )
    with pytest.raises(PbsError) as failure:
        PbsClient(token_config(pbs_sim), "pbs1").get("/version")
    assert pbs_sim.admin_token_secret not in str(failure.value)
    assert re.search(r"bad token \*\*\* in request", failure.value.message)
