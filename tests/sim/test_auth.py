"""Authentication: tickets, CSRF, API-token headers, 401 vs 403 vs 400."""

from __future__ import annotations

import re

import pytest

from tests.sim.support import as_token, data, error, grant, make_token, make_user

CLEAR_COOKIE = (
    "__Host-PBSAuthCookie=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Lax; HttpOnly; Path=/;"
)


def login(sim, username="root@pam", password=None):
    with sim.new_session(auth=None) as session:
        return session.post(
            f"{sim.url}/api2/json/access/ticket",
            data={"username": username, "password": password or sim.root_password},
            timeout=30,
        )


def ticket_call(sim, ticket, method, path, csrf=None, cookie="PBSAuthCookie", **kwargs):
    with sim.new_session(auth=None) as session:
        headers = {"Cookie": f"{cookie}={ticket}"}
        if csrf is not None:
            headers["CSRFPreventionToken"] = csrf
        return session.request(method, f"{sim.url}/api2/json{path}", headers=headers, timeout=30, **kwargs)


def test_login_returns_ticket_and_csrf_token(pbs_sim):
    response = login(pbs_sim)
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == 200 and body["success"] is True  # hand-built envelope
    ticket = body["data"]["ticket"]
    assert body["data"]["username"] == "root@pam"
    assert re.fullmatch(r"PBS:root@pam:[0-9A-F]{8}::[A-Za-z0-9+/]+", ticket)
    assert re.fullmatch(r"[0-9A-F]{8}:[A-Za-z0-9+/]+", body["data"]["CSRFPreventionToken"])


def test_login_failure_is_401_with_pbs_text(pbs_sim):
    response = login(pbs_sim, password="wrong")
    error(response, 401, "permission check failed.")
    assert response.headers["Set-Cookie"] == CLEAR_COOKIE


def test_login_unknown_user_and_missing_password(pbs_sim):
    error(login(pbs_sim, username="nobody@pbs", password="whatever1"), 401, "permission check failed.")
    with pbs_sim.new_session(auth=None) as session:
        response = session.post(f"{pbs_sim.url}/api2/json/access/ticket", data={"username": "root@pam"})
    error(response, 400, "no password provided")


def test_pbs_realm_user_can_log_in(pbs_sim):
    make_user(pbs_sim, "carol@pbs", password="carol-password")
    assert data(login(pbs_sim, "carol@pbs", "carol-password"))["username"] == "carol@pbs"


def test_ticket_cookie_authenticates_gets_and_needs_csrf_for_writes(pbs_sim):
    body = data(login(pbs_sim))
    ticket, csrf = body["ticket"], body["CSRFPreventionToken"]
    assert data(ticket_call(pbs_sim, ticket, "GET", "/config/remote")) == []
    remote = {"name": "cloud", "host": "h.example", "auth-id": "a@pbs", "password": "x"}
    error(ticket_call(pbs_sim, ticket, "POST", "/config/remote", data=remote), 401, "authentication failed")
    error(
        ticket_call(pbs_sim, ticket, "POST", "/config/remote", csrf="bad", data=remote),
        401,
        "authentication failed",
    )
    data(ticket_call(pbs_sim, ticket, "POST", "/config/remote", csrf=csrf, data=remote))
    # the __Host- cookie works too
    assert (
        data(ticket_call(pbs_sim, ticket, "GET", "/config/remote", cookie="__Host-PBSAuthCookie"))[0]["name"]
        == "cloud"
    )


def test_ticket_expires_after_7200_seconds_and_renewal(pbs_sim):
    ticket = data(login(pbs_sim))["ticket"]
    pbs_sim.advance_clock(7000)
    renewed = data(login(pbs_sim, password=ticket))["ticket"]  # renewal with the old ticket
    assert renewed != ticket
    pbs_sim.advance_clock(300)
    response = ticket_call(pbs_sim, ticket, "GET", "/version")
    error(response, 401, "authentication failed")
    assert response.headers["Set-Cookie"] == CLEAR_COOKIE
    assert data(ticket_call(pbs_sim, renewed, "GET", "/version"))["version"] == "4.2"
    # an expired ticket cannot be renewed
    error(login(pbs_sim, password=ticket), 401, "permission check failed.")


def test_renewal_with_someone_elses_ticket_fails(pbs_sim):
    make_user(pbs_sim, "carol@pbs", password="carol-password")
    ticket = data(login(pbs_sim, "carol@pbs", "carol-password"))["ticket"]
    error(login(pbs_sim, "root@pam", ticket), 401, "permission check failed.")


def test_forged_ticket_rejected(pbs_sim):
    ticket = data(login(pbs_sim))["ticket"]
    forged = ticket.replace("root@pam", "root@pbs", 1)
    error(ticket_call(pbs_sim, forged, "GET", "/version"), 401, "authentication failed")


def test_logout(pbs_sim):
    with pbs_sim.new_session(auth=None) as session:
        response = session.delete(f"{pbs_sim.url}/api2/json/access/ticket")
    assert response.json() == {"data": {}, "status": 200, "success": True}
    assert response.headers["Set-Cookie"] == CLEAR_COOKIE


@pytest.mark.parametrize("separator", ["=", " "])
def test_token_header_both_forms(pbs_sim, separator):
    with pbs_sim.new_session(auth=None) as session:
        session.headers["Authorization"] = (
            f"PBSAPIToken{separator}{pbs_sim.admin_token_id}:{pbs_sim.admin_token_secret}"
        )
        assert session.get(f"{pbs_sim.url}/api2/json/version").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "PBSAPIToken=root@pam!admin:wrong-secret",
        "PBSAPIToken=root@pam!nosuch:whatever",
        "PBSAPITokenroot@pam!admin:x",
        "Bearer abc",
        "PBSAPIToken=root@pam!admin",
    ],
)
def test_bad_credentials_are_401(pbs_sim, header):
    with pbs_sim.new_session(auth=None) as session:
        if header is not None:
            session.headers["Authorization"] = header
        response = session.get(f"{pbs_sim.url}/api2/json/config/remote")
    error(response, 401, "authentication failed")


def test_unknown_path_unauthenticated_is_401_authenticated_404(pbs_sim):
    with pbs_sim.new_session(auth=None) as session:
        error(session.get(f"{pbs_sim.url}/api2/json/no/such/path"), 401, "authentication failed")
    error(pbs_sim.api("GET", "/no/such/path"), 404, "Path '/api2/json/no/such/path' not found.")
    error(pbs_sim.api("PATCH", "/config/remote"), 404, "Path '/api2/json/config/remote' not found.")


def test_token_secret_is_percent_decoded(pbs_sim):
    make_user(pbs_sim, "dave@pbs")
    secret = make_token(pbs_sim, "dave@pbs", "t")
    encoded = secret.replace("-", "%2D")
    with pbs_sim.new_session(auth=None) as session:
        session.headers["Authorization"] = f"PBSAPIToken=dave@pbs!t:{encoded}"
        assert session.get(f"{pbs_sim.url}/api2/json/version").status_code == 200


def test_disabled_or_expired_token_and_user(pbs_sim):
    make_user(pbs_sim, "erin@pbs")
    secret = make_token(pbs_sim, "erin@pbs", "t")
    assert as_token(pbs_sim, "erin@pbs!t", secret, "GET", "/version").status_code == 200
    data(pbs_sim.api("PUT", "/access/users/erin@pbs/token/t", json={"enable": False}))
    error(as_token(pbs_sim, "erin@pbs!t", secret, "GET", "/version"), 401, "authentication failed")
    data(pbs_sim.api("PUT", "/access/users/erin@pbs/token/t", json={"enable": True}))
    expire = pbs_sim.now() + 100
    data(pbs_sim.api("PUT", "/access/users/erin@pbs", json={"expire": expire}))
    assert as_token(pbs_sim, "erin@pbs!t", secret, "GET", "/version").status_code == 200
    pbs_sim.advance_clock(101)
    error(as_token(pbs_sim, "erin@pbs!t", secret, "GET", "/version"), 401, "authentication failed")


def test_root_token_is_not_superuser(pbs_sim):
    secret = make_token(pbs_sim, "root@pam", "plain")
    # no ACL for the token: router-level privilege check gives 403 ...
    error(
        as_token(pbs_sim, "root@pam!plain", secret, "GET", "/nodes/localhost/status"),
        403,
        "permission check failed",
    )
    # ... and the root token may still use endpoints open to anybody
    assert data(as_token(pbs_sim, "root@pam!plain", secret, "GET", "/config/remote")) == []
    grant(pbs_sim, "/system/status", "root@pam!plain", "Audit")
    info = data(as_token(pbs_sim, "root@pam!plain", secret, "GET", "/nodes/localhost/status"))["info"]
    assert info["fingerprint"] == pbs_sim.fingerprint


def test_cookie_takes_precedence_over_token_header(pbs_sim):
    ticket = data(login(pbs_sim))["ticket"]
    with pbs_sim.new_session(auth=None) as session:
        headers = {
            "Cookie": "PBSAuthCookie=garbage",
            "Authorization": f"PBSAPIToken={pbs_sim.admin_token_id}:{pbs_sim.admin_token_secret}",
        }
        error(session.get(f"{pbs_sim.url}/api2/json/version", headers=headers), 401, "authentication failed")
        headers["Cookie"] = f"PBSAuthCookie={ticket}"
        assert session.get(f"{pbs_sim.url}/api2/json/version", headers=headers).status_code == 200


def test_http_only_ticket_is_a_cookie(pbs_sim):
    with pbs_sim.new_session(auth=None) as session:
        response = session.post(
            f"{pbs_sim.url}/api2/json/access/ticket",
            data={"username": "root@pam", "password": pbs_sim.root_password, "http-only": "1"},
        )
    body = data(response)
    assert "ticket" not in body and "ticket-info" in body
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-PBSAuthCookie=PBS:root@pam:")
    assert cookie.endswith("; Secure; SameSite=Lax; HttpOnly; Path=/;")
    ticket = cookie.split("=", 1)[1].split(";", 1)[0]
    assert ticket_call(pbs_sim, ticket, "GET", "/version", cookie="__Host-PBSAuthCookie").status_code == 200


def test_optional_unauthenticated_delay(tmp_path):
    import time

    from pbs_sim.testing import start_simulator

    with start_simulator(tmp_path / "slow", unauth_delay=0.3) as sim, sim.new_session(auth=None) as session:
        started = time.monotonic()
        error(session.get(f"{sim.url}/api2/json/version"), 401, "authentication failed")
        assert time.monotonic() - started >= 0.3


def test_extjs_login_failure_is_http_200(pbs_sim):
    with pbs_sim.new_session(auth=None) as session:
        response = session.post(
            f"{pbs_sim.url}/api2/extjs/access/ticket", data={"username": "root@pam", "password": "wrong"}
        )
    assert response.status_code == 200
    assert response.json() == {
        "message": "permission check failed.",
        "errors": {},
        "success": False,
        "status": 401,
    }
