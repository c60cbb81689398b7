"""Namespace through the real plugin (tier 1): missing parents created in order and removed again
when empty, parents that existed before are kept, `delete-groups` only with `deleteGroups: true`,
PBS's refusal to delete a namespace holding backups explained, drift, adopt, rules at preview."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from offline_engine.provider_host import ProviderRpcError

from .helpers import namespaces

NS = "/api2/json/admin/datastore/offsite/namespace"
LEAF = {"server": "cloud", "store": "offsite", "ns": "tenant/site/rack"}


def namespace_writes(sim):
    """(method, query parameters) of the writes to the namespace API."""
    return [
        (e["method"], dict(parse_qsl(e["query"])))
        for e in sim.request_log()
        if e["method"] != "GET" and e["path"] == NS
    ]


def test_parents_are_created_in_order_and_removed_again(stack, cloud):
    cloud.clear_request_log()
    assert stack.up("namespace", "n", LEAF) == "create"
    posts = [e for e in cloud.request_log() if e["method"] == "POST"]
    assert [e["path"] for e in posts] == [NS] * 3  # one level per POST: tenant, tenant/site, the leaf
    assert namespaces(cloud, "offsite") == ["", "tenant", "tenant/site", "tenant/site/rack"]
    assert stack.outputs("n")["createdParents"] == ["tenant", "tenant/site"]
    assert stack.plan("namespace", "n", LEAF) == ("same", [])
    assert stack.refresh("n") == "same"
    assert stack.outputs("n")["createdParents"] == ["tenant", "tenant/site"]  # kept from state

    stack.destroy("n")
    assert namespaces(cloud, "offsite") == [""]


def test_parents_that_existed_or_hold_other_namespaces_are_kept(stack, cloud):
    cloud.api("POST", "/admin/datastore/offsite/namespace", json={"name": "keep"})
    assert stack.up("namespace", "n", {**LEAF, "ns": "keep/a/b"}) == "create"
    assert stack.outputs("n")["createdParents"] == ["keep/a"]
    cloud.api("POST", "/admin/datastore/offsite/namespace", json={"name": "other", "parent": "keep/a"})
    stack.destroy("n")
    assert namespaces(cloud, "offsite") == ["", "keep", "keep/a", "keep/a/other"]
    cloud.api("DELETE", "/admin/datastore/offsite/namespace", params={"ns": "keep"})


def test_delete_groups_only_when_asked(stack, cloud):
    stack.up("namespace", "n", {**LEAF, "ns": "plain"})
    cloud.clear_request_log()
    stack.destroy("n")
    assert namespace_writes(cloud) == [("DELETE", {"ns": "plain"})]

    stack.up("namespace", "n", {**LEAF, "ns": "wipe", "deleteGroups": True})
    assert stack.plan("namespace", "n", {**LEAF, "ns": "wipe"}) == ("update", [])  # kept for the delete
    cloud.clear_request_log()
    stack.destroy("n")
    assert namespace_writes(cloud) == [("DELETE", {"ns": "wipe", "delete-groups": "true"})]


def test_a_namespace_holding_backups_is_not_deleted_and_says_why(stack, cloud):
    stack.up("namespace", "n", {**LEAF, "ns": "full"})
    cloud.inject_fault(
        method="DELETE",
        path=NS,
        status=400,
        body="only partially deleted due to existing groups but `delete-groups` not true",
    )
    try:
        with pytest.raises(ProviderRpcError) as failure:
            stack.destroy("n")
    finally:
        cloud.clear_faults()
    text = str(failure.value)
    assert "cannot delete namespace `offsite:full` on server `cloud`" in text
    assert "set `deleteGroups: true` on the namespace" in text
    assert "full" in namespaces(cloud, "offsite")
    cloud.api("DELETE", "/admin/datastore/offsite/namespace", params={"ns": "full"})


def test_drift_adopt_and_replace(stack, cloud):
    stack.up("namespace", "n", {**LEAF, "ns": "drift"})
    cloud.api("DELETE", "/admin/datastore/offsite/namespace", params={"ns": "drift"})
    assert stack.refresh("n") == "gone"
    cloud.api("POST", "/admin/datastore/offsite/namespace", json={"name": "drift"})
    with pytest.raises(ProviderRpcError) as failure:
        stack.up("namespace", "n", {**LEAF, "ns": "drift"})
    assert "namespace `offsite:drift` already exists on server `cloud`" in str(failure.value)
    assert stack.up("namespace", "n", {**LEAF, "ns": "drift", "adopt": True}) == "create"
    assert stack.plan("namespace", "n", {**LEAF, "ns": "moved"}) == ("replace", ["ns"])
    assert stack.up("namespace", "n", {**LEAF, "ns": "moved"}) == "replace"
    assert "drift" not in namespaces(cloud, "offsite") and "moved" in namespaces(cloud, "offsite")


@pytest.mark.parametrize(
    ("ns", "words"),
    [
        ("", "Cannot create/delete root namespace!"),
        ("a/b/c/d/e/f/g/h", "namespace too deep, 7 >= max 7"),
        ("bad name", "does not match the regex pattern"),
        ("a//b", "does not match the regex pattern"),
    ],
)
def test_namespace_rules_at_preview(stack, cloud, ns, words):
    cloud.clear_request_log()
    failures = stack.check("namespace", "n", {**LEAF, "ns": ns}, preview=True)
    assert [f for f, _ in failures] == ["ns"] and words in failures[0][1], failures
    assert cloud.request_log() == []
