"""ApiToken through the real plugin (tier 1): the secret PBS shows once is an output that works,
survives refresh and updates, and `regenerate` rotates it (the old one stops working); fields
set, changed and removed; adopt with and without `regenerate`; rules at preview; delete."""

from __future__ import annotations

import pytest

from offline_engine.provider_host import ProviderRpcError

from .helpers import call_as

USER = {"server": "cloud", "userid": "tok@pbs"}
TOKEN = {"server": "cloud", "userid": "tok@pbs", "tokenName": "push"}


@pytest.fixture
def owner(stack):
    stack.up("user", "owner", USER)
    return stack


def live(sim, name):
    response = sim.api("GET", f"/access/users/tok@pbs/token/{name}")
    return response.json()["data"] if response.status_code == 200 else None


def works(sim, token_id, secret):
    return call_as(sim, token_id, secret, "/version").status_code == 200


def test_the_secret_is_an_output_that_works_and_is_kept(owner, cloud):
    stack = owner
    assert stack.up("token", "t", TOKEN) == "create"
    out = stack.outputs("t")
    assert out["tokenId"] == "tok@pbs!push"
    assert works(cloud, out["tokenId"], out["secret"])
    assert not works(cloud, out["tokenId"], "00000000-0000-4000-8000-000000000000")
    assert stack.plan("token", "t", TOKEN) == ("same", [])

    assert stack.refresh("t") == "same"  # PBS does not show the secret again: it is kept from state
    assert stack.outputs("t")["secret"] == out["secret"]
    assert stack.up("token", "t", {**TOKEN, "comment": "for the push job"}) == "update"
    assert stack.outputs("t")["secret"] == out["secret"]  # an update does not touch it
    assert works(cloud, "tok@pbs!push", out["secret"])


def test_regenerate_rotates_the_secret(owner, cloud):
    stack = owner
    stack.up("token", "t", TOKEN)
    first = stack.outputs("t")["secret"]
    cloud.clear_request_log()
    assert stack.plan("token", "t", {**TOKEN, "regenerate": 1}) == ("update", [])
    assert stack.up("token", "t", {**TOKEN, "regenerate": 1}) == "update"
    second = stack.outputs("t")["secret"]
    assert second != first
    assert works(cloud, "tok@pbs!push", second) and not works(cloud, "tok@pbs!push", first)
    puts = [e for e in cloud.request_log() if e["method"] == "PUT"]
    assert [e["path"] for e in puts] == ["/api2/json/access/users/tok%40pbs/token/push"]  # one regenerate

    assert stack.plan("token", "t", {**TOKEN, "regenerate": 1.0}) == ("same", [])  # a double over gRPC
    assert stack.up("token", "t", {**TOKEN, "regenerate": "2"}) == "update"
    third = stack.outputs("t")["secret"]
    assert third not in (first, second) and works(cloud, "tok@pbs!push", third)


def test_fields_set_changed_and_removed(owner, cloud):
    stack = owner
    full = {**TOKEN, "comment": "c", "enable": False, "expire": 4102444800}
    assert stack.up("token", "t", full) == "create"
    assert live(cloud, "push") == {
        "tokenid": "tok@pbs!push",
        "comment": "c",
        "enable": False,
        "expire": 4102444800,
    }
    assert not works(cloud, "tok@pbs!push", stack.outputs("t")["secret"])  # disabled
    assert stack.up("token", "t", TOKEN) == "update"
    assert live(cloud, "push") == {"tokenid": "tok@pbs!push"}
    assert works(cloud, "tok@pbs!push", stack.outputs("t")["secret"])
    assert stack.plan("token", "t", {**TOKEN, "enable": True, "expire": 0}) == ("same", [])
    assert stack.plan("token", "t", {**TOKEN, "tokenName": "other"}) == ("replace", ["tokenName"])


def test_adopt_an_existing_token(owner, cloud):
    stack = owner
    made = cloud.api("POST", "/access/users/tok@pbs/token/gui", json={"comment": "from the GUI"}).json()[
        "data"
    ]
    fields = {**TOKEN, "tokenName": "gui"}
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("token", "t", fields)
    assert "API token `tok@pbs!gui` already exists on server `cloud`" in str(failure.value)

    assert stack.up("token", "t", {**fields, "adopt": True}) == "create"
    assert "secret" not in stack.outputs("t")  # PBS never shows an existing token's secret
    assert live(cloud, "gui") == {"tokenid": "tok@pbs!gui"}
    assert works(cloud, "tok@pbs!gui", made["value"])  # adopting alone does not rotate it

    stack.destroy("t")
    cloud.api("POST", "/access/users/tok@pbs/token/gui", json={})
    assert stack.up("token", "t", {**fields, "adopt": True, "regenerate": 1}) == "create"
    secret = stack.outputs("t")["secret"]  # with a trigger set, adopting regenerates: now it is known
    assert works(cloud, "tok@pbs!gui", secret)


def test_rules_at_preview_send_nothing(stack, cloud):
    cloud.clear_request_log()
    long_name = "n" * 60
    failures = stack.check("token", "t", {**TOKEN, "tokenName": long_name}, preview=True)
    assert [f for f, _ in failures] == ["tokenName"] and "at most 64 characters" in failures[0][1]
    failures = stack.check("token", "t", {**TOKEN, "tokenName": "bad name"}, preview=True)
    assert [f for f, _ in failures] == ["tokenName"]
    failures = stack.check("token", "t", {**TOKEN, "secret": "mine"}, preview=True)
    assert [f for f, _ in failures] == ["secret"] and "read-only" in failures[0][1]
    assert cloud.request_log() == []


def test_delete_and_a_vanished_token(owner, cloud):
    stack = owner
    stack.up("token", "t", TOKEN)
    cloud.api("DELETE", "/access/users/tok@pbs/token/push")
    assert stack.refresh("t") == "gone"
    assert stack.up("token", "t", TOKEN) == "create"
    stack.destroy("t")
    assert live(cloud, "push") is None
