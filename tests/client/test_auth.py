"""Token and password (ticket) authentication against the simulator over HTTPS."""

from __future__ import annotations

import logging

import pytest

from pbs_provider.client import AuthenticationFailed, PbsClient, api_path

from .conftest import password_config, requests_to, token_config


class FakeClock:
    """A monotonic clock the test moves by hand (the client's view of ticket age)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_auth_reads_and_writes_without_login(pbs_sim, remote_body):
    client = PbsClient(token_config(pbs_sim), "pbs1")
    client.create("/config/remote", remote_body("cloud"))
    assert client.get(api_path("config", "remote", "cloud")).data["host"] == "pbs.example.com"
    assert requests_to(pbs_sim, "POST", "/access/ticket") == []
    assert {e["auth_id"] for e in pbs_sim.request_log()} == {pbs_sim.admin_token_id}


def test_password_auth_logs_in_once_and_writes_with_csrf(pbs_sim, remote_body):
    client = PbsClient(password_config(pbs_sim), "pbs1")
    client.get("/config/remote")
    client.create("/config/remote", remote_body("cloud"))  # needs the CSRF token
    client.update(api_path("config", "remote", "cloud"), {"comment": "c"})
    client.delete(api_path("config", "remote", "cloud"), missing_ok=False)
    assert len(requests_to(pbs_sim, "POST", "/access/ticket")) == 1
    writes = [e for e in pbs_sim.request_log() if e["path"].startswith("/api2/json/config/remote")]
    assert [e["status"] for e in writes] == [200, 200, 200, 200]
    assert {e["auth_id"] for e in writes} == {"root@pam"}


def test_ticket_is_renewed_before_it_expires(pbs_sim, caplog):
    caplog.set_level(logging.DEBUG, logger="pbs_provider.client.auth")
    clock = FakeClock()
    client = PbsClient(password_config(pbs_sim), "pbs1", clock=clock)
    client.get("/config/remote")
    pbs_sim.advance_clock(3700)  # the server's ticket is now 1 h old: still valid, due for renewal
    clock.now += 3700
    client.get("/config/remote")
    logins = requests_to(pbs_sim, "POST", "/access/ticket")
    assert [e["status"] for e in logins] == [200, 200]
    # Renewed with the ticket itself (PBS's renewal), not by falling back to the password.
    assert "renewed the ticket of root@pam" in caplog.text
    assert "ticket renewal for root@pam failed" not in caplog.text
    pbs_sim.advance_clock(3700)  # 2 h after the first login, but only 1 h after the renewal
    clock.now += 100
    client.get("/config/remote")
    assert len(requests_to(pbs_sim, "POST", "/access/ticket")) == 2
    assert [e["status"] for e in requests_to(pbs_sim, "GET", "/config/remote")] == [200, 200, 200]


def test_expired_ticket_is_replaced_once_after_a_401(pbs_sim):
    client = PbsClient(password_config(pbs_sim), "pbs1")
    client.get("/config/remote")
    pbs_sim.advance_clock(7300)  # server-side expiry the client's clock did not see
    pbs_sim.clear_request_log()
    assert client.get("/config/remote").data == []
    log = [(e["method"], e["path"], e["status"]) for e in pbs_sim.request_log()]
    assert log == [
        ("GET", "/api2/json/config/remote", 401),
        ("POST", "/api2/json/access/ticket", 200),
        ("GET", "/api2/json/config/remote", 200),
    ]


def test_wrong_password_is_authentication_failed_with_hint(pbs_sim):
    client = PbsClient(password_config(pbs_sim, secret="wrong-password-7c1e"), "pbs1")
    with pytest.raises(AuthenticationFailed) as failure:
        client.get("/config/remote")
    assert failure.value.status == 401
    assert "`root@pam` is wrong or expired" in (failure.value.hint or "")
    assert "wrong-password-7c1e" not in str(failure.value)
    assert len(requests_to(pbs_sim, "POST", "/access/ticket")) == 1  # a 401 login is not retried


def test_wrong_token_secret_is_authentication_failed_with_hint(pbs_sim):
    client = PbsClient(token_config(pbs_sim, secret="00000000-dead-beef-0000-000000000000"), "pbs1")
    with pytest.raises(AuthenticationFailed) as failure:
        client.get("/config/remote")
    assert failure.value.status == 401
    assert f"token of `{pbs_sim.admin_token_id}`" in (failure.value.hint or "")
    assert "dead-beef" not in str(failure.value)
    assert len(requests_to(pbs_sim, "GET", "/config/remote")) == 1  # a token 401 is final
