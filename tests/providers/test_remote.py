"""Remote through the real plugin (tier 1) against the simulator: every field set, changed and
removed, replace on `name`/`server`, write-only password, delete and read of a gone remote."""

from __future__ import annotations

import pytest

from offline_engine.provider_host import ProviderRpcError

FP = ":".join(["AB"] * 32)
ALL_FIELDS = {
    "server": "onprem",
    "name": "cloud-a",
    "host": "pbs.example.com",
    "port": 8008,
    "authId": "sync@pbs!push",
    "password": "first-secret",
    "fingerprint": FP,
    "comment": "the cloud PBS",
    "useNodeProxy": True,
}
MINIMAL = {k: ALL_FIELDS[k] for k in ("server", "name", "host", "authId", "password")}


def live(sim, name):
    response = sim.api("GET", f"/config/remote/{name}")
    return response.json()["data"] if response.status_code == 200 else None


def writes(sim):
    return [(e["method"], e["path"]) for e in sim.request_log() if e["method"] != "GET"]


def test_every_field_set_then_removed(stack, onprem):
    assert stack.up("remote", "r", ALL_FIELDS) == "create"
    assert live(onprem, "cloud-a") == {
        "name": "cloud-a", "host": "pbs.example.com", "port": 8008, "auth-id": "sync@pbs!push",
        "fingerprint": FP, "comment": "the cloud PBS", "use-node-proxy": True,
    }  # fmt: skip
    assert stack.outputs("r") == ALL_FIELDS  # every input, as PBS reports it; the password carried over
    assert stack.plan("remote", "r", ALL_FIELDS) == ("same", [])

    assert stack.plan("remote", "r", MINIMAL) == ("update", [])
    assert stack.up("remote", "r", MINIMAL) == "update"
    assert live(onprem, "cloud-a") == {
        "name": "cloud-a",
        "host": "pbs.example.com",
        "auth-id": "sync@pbs!push",
    }
    assert stack.outputs("r") == MINIMAL
    assert stack.plan("remote", "r", MINIMAL) == ("same", [])

    assert stack.up("remote", "r", ALL_FIELDS) == "update"  # and back again
    assert live(onprem, "cloud-a")["use-node-proxy"] is True


def test_numbers_arrive_as_floats_and_reach_pbs_as_integers(stack, onprem):
    assert stack.up("remote", "r", {**MINIMAL, "name": "cloud-f", "port": 8007.0}) == "create"
    assert live(onprem, "cloud-f")["port"] == 8007
    assert stack.plan("remote", "r", {**MINIMAL, "name": "cloud-f", "port": 8007}) == ("same", [])


def test_password_is_write_only_sent_on_change_only(stack, onprem):
    fields = {**MINIMAL, "name": "cloud-p"}
    stack.up("remote", "r", fields)
    onprem.clear_request_log()
    assert stack.plan("remote", "r", {**fields, "password": "second-secret"}) == ("update", [])
    assert stack.up("remote", "r", {**fields, "password": "second-secret"}) == "update"
    assert ("PUT", "/api2/json/config/remote/cloud-p") in writes(onprem)
    assert "password" not in live(onprem, "cloud-p")  # PBS never returns it...
    assert stack.outputs("r")["password"] == "second-secret"  # ...so outputs carry it over
    onprem.clear_request_log()
    assert stack.up("remote", "r", {**fields, "password": "second-secret", "comment": "c"}) == "update"
    assert stack.refresh("r") == "same"
    assert stack.outputs("r")["password"] == "second-secret"


def test_rename_replaces_and_server_change_replaces(stack, onprem):
    fields = {**MINIMAL, "name": "cloud-old"}
    stack.up("remote", "r", fields)
    assert stack.plan("remote", "r", {**fields, "server": "mirror"}) == ("replace", ["server"])
    assert stack.plan("remote", "r", {**fields, "name": "cloud-new"}) == ("replace", ["name"])
    assert stack.up("remote", "r", {**fields, "name": "cloud-new"}) == "replace"
    assert live(onprem, "cloud-old") is None
    assert live(onprem, "cloud-new")["host"] == "pbs.example.com"


def test_delete_and_read_of_a_vanished_remote(stack, onprem):
    stack.up("remote", "r", {**MINIMAL, "name": "cloud-d"})
    res = stack.resources["r"]
    stack.destroy("r")
    assert live(onprem, "cloud-d") is None
    rid, outs, _ = stack.host.read(res.urn, res.id, res.outputs, res.inputs)
    assert rid == "" and set(outs) == {"__provider"}  # gone: the engine drops it from state
    stack.host.delete(res.urn, res.id, res.outputs, res.inputs)  # already gone counts as deleted


def test_create_error_carries_pbs_reason_and_never_the_password(stack, onprem):
    reason = "parameter verification failed - 'host': value does not match the regex pattern"
    onprem.inject_fault(method="POST", path="/api2/json/config/remote", count=1, status=400, body=reason)
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("remote", "r", {**MINIMAL, "name": "cloud-e"})
    assert "cannot create remote `cloud-e` on server `onprem`" in failure.value.details
    assert "does not match the regex pattern" in failure.value.details
    assert "first-secret" not in failure.value.details
