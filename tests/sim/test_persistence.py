"""State survives restarts: config files in PBS's formats, secrets, tickets, job states, tasks."""

from __future__ import annotations

from pbs_sim.testing import start_simulator
from tests.sim.support import as_token, data, make_job, make_remote, make_token, make_user, wait_task


def test_everything_survives_a_restart(pbs_sim):
    make_remote(pbs_sim)
    make_job(pbs_sim, "job1", schedule="daily")
    make_user(pbs_sim, "kim@pbs", password="kim-password")
    secret = make_token(pbs_sim, "kim@pbs", "t")
    data(pbs_sim.api("PUT", "/access/acl", json={"path": "/", "role": "Audit", "auth-id": "kim@pbs"}))
    data(pbs_sim.api("POST", "/admin/datastore/store1/namespace", json={"name": "site1"}))
    upid = data(pbs_sim.api("POST", "/admin/sync/job1/run"))
    wait_task(pbs_sim, upid)
    before = {
        path: pbs_sim.api("GET", path).json()
        for path in ("/config/remote", "/config/sync", "/access/users", "/access/acl", "/config/datastore")
    }
    status_before = data(pbs_sim.api("GET", "/admin/sync"))

    pbs_sim.restart()

    for path, answer in before.items():
        assert pbs_sim.api("GET", path).json() == answer, path  # same data and same digests
    assert data(pbs_sim.api("GET", "/admin/sync")) == status_before
    assert data(pbs_sim.api("GET", "/admin/datastore/store1/namespace")) == [{"ns": ""}, {"ns": "site1"}]
    assert as_token(pbs_sim, "kim@pbs!t", secret, "GET", "/version").status_code == 200
    assert wait_task(pbs_sim, upid)["exitstatus"] == "OK"


def test_tickets_survive_a_restart(pbs_sim):
    from tests.sim.test_auth import login, ticket_call

    ticket = data(login(pbs_sim))["ticket"]
    pbs_sim.restart()
    assert ticket_call(pbs_sim, ticket, "GET", "/version").status_code == 200


def test_clock_offset_survives_a_restart(pbs_sim):
    moved = pbs_sim.advance_clock(86400)
    pbs_sim.restart()
    assert pbs_sim.now() >= moved


def test_bootstrap_options_are_idempotent(tmp_path):
    secret = "6f1e9a4e-0000-4000-8000-000000000001"
    for _ in range(2):
        with start_simulator(
            tmp_path / "d", datastores=["store1", "store2"], admin_token_secret=secret
        ) as sim:
            stores = [d["name"] for d in data(sim.api("GET", "/config/datastore"))]
            assert stores == ["store1", "store2"]
            admin_entries = [e for e in data(sim.api("GET", "/access/acl")) if e["ugid"] == "root@pam!admin"]
            assert admin_entries == [
                {
                    "path": "/",
                    "ugid": "root@pam!admin",
                    "ugid_type": "user",
                    "propagate": True,
                    "roleid": "Admin",
                }
            ]


def test_files_are_pbs_section_config(pbs_sim):
    make_user(pbs_sim, "kim@pbs")
    make_token(pbs_sim, "kim@pbs", "t")
    text = (pbs_sim.data_dir / "user.cfg").read_text()
    assert "user: kim@pbs\n" in text
    assert "token: kim@pbs!t\n" in text
    datastore_cfg = (pbs_sim.data_dir / "datastore.cfg").read_text()
    assert datastore_cfg.startswith("datastore: store1\n\tpath ")
