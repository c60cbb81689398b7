"""User through the real plugin (tier 1) against the simulator: every field set, changed and
removed, the password set at creation (a login proves it), refused changes of it over an API
token, the `pbs`-realm rule at preview, replace on `userid`, drift, adopt, delete."""

from __future__ import annotations

import pytest

from offline_engine.provider_host import ProviderRpcError

from .helpers import login, writes

ALL = {
    "server": "cloud",
    "userid": "alice@pbs",
    "comment": "replication user",
    "enable": False,
    "expire": 4102444800,
    "firstname": "Alice",
    "lastname": "Liddell",
    "email": "alice@example.com",
    "password": "wonderland-1",
}
MINIMAL = {"server": "cloud", "userid": "alice@pbs"}


def live(sim, userid):
    response = sim.api("GET", f"/access/users/{userid}")
    return response.json()["data"] if response.status_code == 200 else None


def test_every_field_set_then_removed(stack, cloud):
    assert stack.up("user", "u", ALL) == "create"
    assert live(cloud, "alice@pbs") == {
        k.lower(): v for k, v in ALL.items() if k not in ("server", "password")
    }
    assert stack.outputs("u") == ALL  # the write-only password is carried over from the inputs
    assert stack.plan("user", "u", ALL) == ("same", [])

    assert stack.plan("user", "u", MINIMAL) == ("update", [])
    assert stack.up("user", "u", MINIMAL) == "update"
    # comment/names/e-mail go with delete[]; enable and expire cannot be deleted: PBS's defaults are sent
    assert live(cloud, "alice@pbs") == {"userid": "alice@pbs"}
    assert stack.outputs("u") == MINIMAL
    assert stack.plan("user", "u", MINIMAL) == ("same", [])
    assert stack.plan("user", "u", {**MINIMAL, "enable": True, "expire": 0}) == ("same", [])  # = defaults
    assert stack.refresh("u") == "same"


def test_password_set_at_creation_lets_the_user_log_in(stack, cloud):
    assert stack.up("user", "u", {**MINIMAL, "userid": "bob@pbs", "password": "builder-42"}) == "create"
    assert login(cloud, "bob@pbs", "builder-42") == 200
    assert login(cloud, "bob@pbs", "wrong-password") == 401


def test_a_password_change_over_an_api_token_fails_clearly_and_writes_nothing(stack, cloud):
    fields = {**MINIMAL, "userid": "carol@pbs", "password": "first-pass"}
    stack.up("user", "u", fields)
    cloud.clear_request_log()
    changed = {**fields, "password": "second-pass", "comment": "changed too"}
    assert stack.plan("user", "u", changed) == ("update", [])
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("user", "u", changed)
    text = str(failure.value)
    assert "PBS lets only a password login change a user's password" in text
    assert "root@pam!admin" in text and "first-pass" not in text and "second-pass" not in text
    assert writes(cloud) == []  # refused before anything was written
    assert login(cloud, "carol@pbs", "first-pass") == 200


def test_password_needs_the_pbs_realm_and_a_valid_length_at_preview(stack, cloud):
    cloud.clear_request_log()
    failures = stack.check(
        "user", "u", {**MINIMAL, "userid": "dave@pam", "password": "long-enough"}, preview=True
    )
    assert failures == [("password", failures[0][1])] and "realm `pbs`" in failures[0][1]
    failures = stack.check("user", "u", {**MINIMAL, "password": "short"}, preview=True)
    assert [f for f, _ in failures] == ["password"] and "short" not in failures[0][1]  # never quoted
    failures = stack.check("user", "u", {**MINIMAL, "userid": "no-realm"}, preview=True)
    assert [f for f, _ in failures] == ["userid"]
    assert cloud.request_log() == []


def test_userid_change_replaces_and_drift_is_seen(stack, cloud):
    stack.up("user", "u", {**MINIMAL, "userid": "erin@pbs", "comment": "one"})
    assert stack.plan("user", "u", {**MINIMAL, "userid": "frank@pbs"}) == ("replace", ["userid"])
    assert stack.up("user", "u", {**MINIMAL, "userid": "frank@pbs", "comment": "one"}) == "replace"
    assert live(cloud, "erin@pbs") is None and live(cloud, "frank@pbs")["comment"] == "one"

    cloud.api("PUT", "/access/users/frank@pbs", json={"comment": "by hand", "enable": False})
    assert stack.refresh("u") == "update"
    assert stack.outputs("u")["comment"] == "by hand" and stack.outputs("u")["enable"] is False
    assert stack.up("user", "u", {**MINIMAL, "userid": "frank@pbs", "comment": "one"}) == "update"
    assert live(cloud, "frank@pbs") == {"userid": "frank@pbs", "comment": "one"}

    cloud.api("DELETE", "/access/users/frank@pbs")
    assert stack.refresh("u") == "gone"


def test_an_existing_user_needs_adopt(stack, cloud):
    cloud.api("POST", "/access/users", json={"userid": "gina@pbs", "comment": "from the GUI"})
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("user", "u", {**MINIMAL, "userid": "gina@pbs"})
    assert "user `gina@pbs` already exists on server `cloud`" in str(failure.value)
    assert "adopt: true" in str(failure.value)
    assert stack.up("user", "u", {**MINIMAL, "userid": "gina@pbs", "adopt": True}) == "create"
    assert live(cloud, "gina@pbs") == {"userid": "gina@pbs"}  # changed to match the program
    stack.destroy("u")
    assert live(cloud, "gina@pbs") is None
