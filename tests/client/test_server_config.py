"""ServerConfig validation, normalisation, secret hiding and pickling refusal."""

from __future__ import annotations

import pickle

import pytest
from pydantic import ValidationError

from pbs_provider.client import ServerConfig

SECRET = "SECRET-6f1d-recognisable"
FP = ":".join(["AB"] * 31 + ["0F"])


def config(**overrides):
    values = {"url": "https://pbs.example.com", "auth_id": "root@pam!pulumi", "secret": SECRET}
    values.update(overrides)
    return ServerConfig(**values)


def test_defaults_port_8007_and_lowercases_the_fingerprint():
    server = config(fingerprint=FP)
    assert server.base_url == "https://pbs.example.com:8007"
    assert server.port == 8007
    assert server.fingerprint == FP.lower()
    assert server.verify_tls is True


def test_explicit_port_and_ipv6_host():
    assert config(url="https://[::1]:9007").base_url == "https://[::1]:9007"


def test_auth_mode_follows_the_auth_id():
    assert config(auth_id="sync@pbs!push").uses_token
    assert not config(auth_id="sync@pbs").uses_token


@pytest.mark.parametrize(
    "overrides",
    [
        {"url": "http://pbs.example.com"},
        {"url": "ftp://pbs.example.com"},
        {"url": "https://pbs.example.com/api2/json"},
        {"url": "https://user:pw@pbs.example.com"},
        {"url": "https://"},
        {"auth_id": "root"},
        {"auth_id": "root@pam!"},
        {"auth_id": "a/b@pam"},
        {"secret": ""},
        {"secret": "token with spaces"},
        {"secret": "tok\u20acen"},
        {"auth_id": "root@pam", "secret": "pass\nword"},
        {"fingerprint": "ab:cd"},
        {"verify_tls": False, "fingerprint": FP},
        {"ca_file": "/nonexistent/ca.pem"},
        {"read_timeout": 0},
    ],
)
def test_invalid_settings_are_refused(overrides):
    with pytest.raises(ValidationError):
        config(**overrides)


def test_http_only_when_explicitly_allowed():
    assert config(url="http://127.0.0.1:8080", allow_http=True).base_url == "http://127.0.0.1:8080"


def test_secret_never_in_repr_str_or_validation_errors():
    server = config()
    assert SECRET not in repr(server) and SECRET not in str(server)
    for bad in (
        {"auth_id": "bad", "fingerprint": "zz"},
        {"url": "http://pbs"},
        {"verify_tls": False, "fingerprint": FP},
    ):
        with pytest.raises(ValidationError) as failure:
            config(**bad)
        assert SECRET not in str(failure.value) and SECRET not in repr(failure.value.errors())


def test_refuses_pickling():
    with pytest.raises(TypeError, match="must not be pickled"):
        pickle.dumps(config())


def test_stack_config_camel_case_keys_are_accepted():
    server = ServerConfig.model_validate(
        {
            "url": "https://pbs.example.com:8008",
            "authId": "sync@pbs!push",
            "secret": SECRET,
            "caFile": None,
            "verifyTls": True,
            "connectTimeout": 3,
            "retry": {"attempts": 2, "backoffFactor": 0.1, "digestAttempts": 7},
        }
    )
    assert (server.auth_id, server.port, server.connect_timeout) == ("sync@pbs!push", 8008, 3)
    assert (server.retry.attempts, server.retry.backoff_factor, server.retry.digest_attempts) == (2, 0.1, 7)
    with pytest.raises(ValidationError):
        ServerConfig.model_validate({"url": "https://h", "authId": "a@pbs!t", "secret": SECRET, "bogus": 1})
