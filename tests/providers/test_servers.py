"""The stack config's servers (`servers`, `serverSecrets`, env `PBS_SERVER_SECRET_<NAME>`): the
rules and messages shared by the program and the providers, and the providers using them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from offline_engine.provider_host import DynamicProviderHost
from pbs_provider.servers import ServerDirectory, secret_env_var

from .driver import PROJECT, ROOT, SERVERS_KEY, Stack, server_entry

ENTRY = {"url": "https://pbs.example.com:8007", "authId": "root@pam!pulumi"}


def test_config_values_may_be_json_strings_or_maps():
    for servers, secrets in (
        (json.dumps({"a": ENTRY}), json.dumps({"a": "tok"})),
        ({"a": ENTRY}, {"a": "tok"}),
    ):
        directory = ServerDirectory.parse(servers, secrets, environ={})
        assert directory.problem("a") is None
        config = directory.server_config("a")
        assert config.base_url == "https://pbs.example.com:8007" and config.secret.get_secret_value() == "tok"


def test_problems_name_the_key_and_the_fix_and_never_the_secret():
    directory = ServerDirectory.parse(
        {"a": ENTRY, "b": {**ENTRY, "colour": "blue"}, "c": {**ENTRY, "url": "http://x"}, "d": ENTRY},
        {"a": "tok-a", "b": "tok-b", "c": "tok-c"},
        environ={},
    )
    assert "unknown server `zz`: stack config `servers` defines `a`, `b`, `c`, `d`" in directory.problem("zz")
    assert "`servers.b` is invalid: colour: Extra inputs are not permitted" in directory.problem("b")
    assert "`servers.c` is invalid" in directory.problem("c") and "https" in directory.problem("c")
    assert directory.problem("d") == (
        "no secret for server `d`: set it with `pulumi config set --secret --path 'serverSecrets.d' "
        "<token secret or password>` or in the environment variable PBS_SERVER_SECRET_D"
    )
    assert not any("tok-" in (directory.problem(n) or "") for n in "abcd")


def test_environment_fallback_and_whole_config_errors():
    assert secret_env_var("cloud-1.eu") == "PBS_SERVER_SECRET_CLOUD_1_EU"
    directory = ServerDirectory.parse(
        {"cloud-1": ENTRY}, None, environ={"PBS_SERVER_SECRET_CLOUD_1": "from-env"}
    )
    assert directory.server_config("cloud-1").secret.get_secret_value() == "from-env"
    config_wins = ServerDirectory.parse({"a": ENTRY}, {"a": "cfg"}, environ={"PBS_SERVER_SECRET_A": "env"})
    assert config_wins.server_config("a").secret.get_secret_value() == "cfg"
    assert "not valid JSON" in ServerDirectory.parse("{nope", None, environ={}).config_error
    orphan = ServerDirectory.parse({"a": ENTRY}, {"a": "x", "ghost": "y"}, environ={})
    assert (
        "`serverSecrets` has entries for servers that `servers` does not define: ghost" in orphan.config_error
    )


@contextmanager
def plugin_without_secret_config(sim, env: dict[str, str]) -> Iterator[DynamicProviderHost]:
    """A plugin whose stack config has `servers` but no `serverSecrets`."""
    with DynamicProviderHost(cwd=str(ROOT), project=PROJECT, env=env) as host:
        host.configure({SERVERS_KEY: json.dumps({"onprem": server_entry(sim)})})
        yield host


def test_provider_takes_the_secret_from_the_environment(onprem):
    with plugin_without_secret_config(
        onprem, {"PBS_SERVER_SECRET_ONPREM": onprem.admin_token_secret}
    ) as host:
        stack = Stack(host)
        fields = {"server": "onprem", "jobId": "env-secret", "store": "store1", "remoteStore": "store2"}
        assert stack.up("sync", "j", fields) == "create"
        stack.destroy("j")


def test_missing_secret_fails_check_without_requests(onprem):
    with plugin_without_secret_config(onprem, {}) as host:
        onprem.clear_request_log()
        fields = {"server": "onprem", "jobId": "no-secret", "store": "store1", "remoteStore": "store2"}
        failures = Stack(host).check("sync", "j", fields)
        assert [f for f, _ in failures] == ["server"] and "no secret for server `onprem`" in failures[0][1]
        assert onprem.request_log() == []
