"""Version emulation: /version reports the emulated release; newer fields are unknown parameters."""

from __future__ import annotations

import pytest

from tests.sim.support import data, error, make_job, make_remote


@pytest.fixture
def old_pbs(pbs_sim_factory):
    return pbs_sim_factory("old", pbs_version="3.1.2")


def test_version_endpoint(pbs_sim_factory):
    sim = pbs_sim_factory("v", pbs_version="3.2.6")
    answer = data(sim.api("GET", "/version"))
    assert answer["version"] == "3.2" and answer["release"] == "6"
    assert isinstance(answer["repoid"], str) and answer["repoid"]


def test_newer_sync_fields_are_rejected(old_pbs):
    body = {"id": "job1", "store": "store1", "remote": "cloud", "remote-store": "offsite"}
    for field, value in [("sync-direction", "pull"), ("worker-threads", 2), ("encrypted-only", True)]:
        error(
            old_pbs.api("POST", "/config/sync", json={**body, field: value}),
            400,
            f"parameter verification failed - '{field}': schema does not allow additional properties",
        )
    data(old_pbs.api("POST", "/config/sync", json={**body, "transfer-last": 1, "ns": "a"}))


def test_list_filter_unknown_before_push_existed(old_pbs):
    error(
        old_pbs.api("GET", "/config/sync", params={"sync-direction": "all"}),
        400,
        "parameter verification failed - 'sync-direction': schema does not allow additional properties.",
    )


def test_all_filter_needs_3_2_13(pbs_sim_factory):
    sim = pbs_sim_factory("v", pbs_version="3.2.12")
    make_job(sim, "job1")
    error(
        sim.api("GET", "/config/sync", params={"sync-direction": "all"}),
        400,
        "parameter verification failed - 'sync-direction': value 'all' is not defined in the enumeration.",
    )
    assert [j["id"] for j in data(sim.api("GET", "/config/sync", params={"sync-direction": "pull"}))] == [
        "job1"
    ]


def test_remote_use_node_proxy_needs_4_1_6(pbs_sim_factory):
    old = pbs_sim_factory("v", pbs_version="4.1.5")
    make_remote(old)
    error(
        old.api("PUT", "/config/remote/cloud", json={"use-node-proxy": True}),
        400,
        "parameter verification failed - 'use-node-proxy': schema does not allow additional properties",
    )
    error(
        old.api("PUT", "/config/remote/cloud", json={"delete": ["use-node-proxy"]}),
        400,
        "parameter verification failed - 'delete/[0]': "
        "value 'use-node-proxy' is not defined in the enumeration.",
    )


def test_remote_required_before_local_sync_existed(pbs_sim_factory):
    sim = pbs_sim_factory("v", pbs_version="2.4.3")
    error(
        sim.api("POST", "/config/sync", json={"id": "job1", "store": "store1", "remote-store": "other"}),
        400,
        "parameter verification failed - 'remote': property is missing and it is not optional",
    )


def test_push_roles_unknown_before_3_2_11(old_pbs):
    error(
        old_pbs.api(
            "PUT", "/access/acl", json={"path": "/", "role": "RemoteSyncPushOperator", "auth-id": "root@pam"}
        ),
        400,
        "parameter verification failed - 'role': "
        "value 'RemoteSyncPushOperator' is not defined in the enumeration.",
    )
    roles = {r["roleid"] for r in data(old_pbs.api("GET", "/access/roles"))}
    assert "RemoteSyncPushOperator" not in roles and "RemoteSyncOperator" in roles


def test_current_version_accepts_everything(pbs_sim):
    make_remote(pbs_sim, **{"use-node-proxy": True})
    make_job(pbs_sim, "job1", **{"worker-threads": 2, "sync-direction": "pull", "encrypted-only": True})
    assert data(pbs_sim.api("GET", "/version")) | {"repoid": ""} == {
        "version": "4.2",
        "release": "3",
        "repoid": "",
    }
