"""`PUT /access/password` (pbs src/api2/access/mod.rs `change_password`): who may change which
password, the confirmation password, PBS's error texts and statuses, and logins afterwards."""

from __future__ import annotations

from typing import Any

import requests

from pbs_sim.testing import SimHandle
from tests.sim.support import as_token, data, error, grant, make_token, make_user

LOGIN_FAILED = "permission check failed."


def login(sim: SimHandle, username: str, password: str) -> requests.Response:
    with sim.new_session(auth=None) as session:
        return session.post(
            f"{sim.url}/api2/json/access/ticket",
            data={"username": username, "password": password},
            timeout=30,
        )


def as_user(sim: SimHandle, username: str, login_password: str, body: dict[str, Any]) -> requests.Response:
    """`PUT /access/password` over a ticket cookie (with its CSRF token) of a password login."""
    ticket = data(login(sim, username, login_password))
    with sim.new_session(auth=None) as session:
        return session.put(
            f"{sim.url}/api2/json/access/password",
            headers={
                "Cookie": f"PBSAuthCookie={ticket['ticket']}",
                "CSRFPreventionToken": ticket["CSRFPreventionToken"],
            },
            json=body,
            timeout=30,
        )


def as_root(sim: SimHandle, **body: Any) -> requests.Response:
    return as_user(sim, "root@pam", sim.root_password, body)


def logs_in(sim: SimHandle, username: str, password: str) -> bool:
    response = login(sim, username, password)
    if response.status_code == 401:
        assert response.text == LOGIN_FAILED
        return False
    return data(response)["username"] == username


def test_own_password_with_confirmation(pbs_sim):
    make_user(pbs_sim, "alice@pbs", password="first-pass")
    change = {"userid": "alice@pbs", "password": "second-pass", "confirmation-password": "first-pass"}
    response = as_user(pbs_sim, "alice@pbs", "first-pass", change)
    assert response.json() == {"data": None}
    assert logs_in(pbs_sim, "alice@pbs", "second-pass")
    assert not logs_in(pbs_sim, "alice@pbs", "first-pass")


def test_confirmation_is_required_and_checked(pbs_sim):
    make_user(pbs_sim, "alice@pbs", password="first-pass")
    change = {"userid": "alice@pbs", "password": "second-pass"}
    error(as_user(pbs_sim, "alice@pbs", "first-pass", change), 401, "missing password")
    wrong = {**change, "confirmation-password": "not-my-password"}
    error(as_user(pbs_sim, "alice@pbs", "first-pass", wrong), 401, "invalid credentials")
    assert logs_in(pbs_sim, "alice@pbs", "first-pass")
    assert not logs_in(pbs_sim, "alice@pbs", "second-pass")


def test_root_needs_no_confirmation_for_others_and_itself(pbs_sim):
    make_user(pbs_sim, "bob@pbs", password="bob-pass-1")
    data(as_root(pbs_sim, userid="bob@pbs", password="bob-pass-2"))
    assert logs_in(pbs_sim, "bob@pbs", "bob-pass-2") and not logs_in(pbs_sim, "bob@pbs", "bob-pass-1")

    make_user(pbs_sim, "nopw@pbs")  # created without a password: no login until one is set
    assert not logs_in(pbs_sim, "nopw@pbs", "anything-1")
    data(as_root(pbs_sim, userid="nopw@pbs", password="now-set-1"))
    assert logs_in(pbs_sim, "nopw@pbs", "now-set-1")

    old = pbs_sim.root_password
    data(as_root(pbs_sim, userid="root@pam", password="new-root-pw"))  # the simulated PAM password
    assert logs_in(pbs_sim, "root@pam", "new-root-pw") and not logs_in(pbs_sim, "root@pam", old)


def test_permissions_modify_on_root_path_changes_other_pbs_users(pbs_sim):
    make_user(pbs_sim, "admin@pbs", password="admin-pass")
    make_user(pbs_sim, "bob@pbs", password="bob-pass-1")
    change = {"userid": "bob@pbs", "password": "bob-pass-2", "confirmation-password": "admin-pass"}
    # PBS looks the privilege up on `/` (`lookup_privs(&current_auth, &[])`): `/access/users` is not enough
    grant(pbs_sim, "/access/users", "admin@pbs", "Admin")
    error(
        as_user(pbs_sim, "admin@pbs", "admin-pass", change),
        400,
        "you are not authorized to change the password.",
    )
    grant(pbs_sim, "/", "admin@pbs", "Admin", propagate=False)
    assert as_user(pbs_sim, "admin@pbs", "admin-pass", change).json() == {"data": None}
    assert logs_in(pbs_sim, "bob@pbs", "bob-pass-2") and not logs_in(pbs_sim, "bob@pbs", "bob-pass-1")
    # ... but never a `pam` user, not even root@pam
    root = {**change, "userid": "root@pam"}
    error(
        as_user(pbs_sim, "admin@pbs", "admin-pass", root),
        400,
        "you are not authorized to change the password.",
    )
    assert logs_in(pbs_sim, "root@pam", pbs_sim.root_password)


def test_plain_user_cannot_change_another_user(pbs_sim):
    make_user(pbs_sim, "alice@pbs", password="alice-pass")
    make_user(pbs_sim, "bob@pbs", password="bob-pass-1")
    grant(pbs_sim, "/datastore", "alice@pbs", "DatastoreAdmin")
    change = {"userid": "bob@pbs", "password": "bob-pass-2", "confirmation-password": "alice-pass"}
    error(
        as_user(pbs_sim, "alice@pbs", "alice-pass", change),
        400,
        "you are not authorized to change the password.",
    )
    assert logs_in(pbs_sim, "bob@pbs", "bob-pass-1")


def test_pam_users(pbs_sim):
    make_user(pbs_sim, "dave@pam")
    data(as_root(pbs_sim, userid="dave@pam", password="dave-pass-1"))  # superuser only, for `pam`
    assert logs_in(pbs_sim, "dave@pam", "dave-pass-1")
    change = {"userid": "dave@pam", "password": "dave-pass-2"}
    wrong = {**change, "confirmation-password": "not-it"}
    error(as_user(pbs_sim, "dave@pam", "dave-pass-1", wrong), 401, "AUTH_ERR (7)")  # PAM's failure
    right = {**change, "confirmation-password": "dave-pass-1"}
    data(as_user(pbs_sim, "dave@pam", "dave-pass-1", right))  # own password, pam realm or not
    assert logs_in(pbs_sim, "dave@pam", "dave-pass-2") and not logs_in(pbs_sim, "dave@pam", "dave-pass-1")


def test_api_tokens_are_refused_after_the_confirmation(pbs_sim):
    make_user(pbs_sim, "alice@pbs", password="alice-pass")
    secret = make_token(pbs_sim, "alice@pbs", "t")
    grant(pbs_sim, "/", "alice@pbs!t", "Admin")
    grant(pbs_sim, "/", "alice@pbs", "Admin")
    change = {"userid": "alice@pbs", "password": "second-pass"}

    def put(**body: Any) -> requests.Response:
        return as_token(pbs_sim, "alice@pbs!t", secret, "PUT", "/access/password", json=body)

    # the owner's password is asked first (401), the token is refused afterwards (400)
    error(put(**change), 401, "missing password")
    error(put(**change, **{"confirmation-password": "wrong-one"}), 401, "invalid credentials")
    error(
        put(**change, **{"confirmation-password": "alice-pass"}),
        400,
        "API tokens cannot access this API endpoint",
    )
    # root@pam's tokens skip the confirmation like root@pam, and are refused all the same
    root_token = (pbs_sim.admin_token_id, pbs_sim.admin_token_secret)
    response = as_token(pbs_sim, *root_token, "PUT", "/access/password", json=change)
    error(response, 400, "API tokens cannot access this API endpoint")
    assert logs_in(pbs_sim, "alice@pbs", "alice-pass") and not logs_in(pbs_sim, "alice@pbs", "second-pass")

    make_user(pbs_sim, "carol@pbs")  # no password: PbsAuthenticator has nothing to check against
    carol = make_token(pbs_sim, "carol@pbs", "t")
    body = {"userid": "carol@pbs", "password": "second-pass", "confirmation-password": "anything"}
    response = as_token(pbs_sim, "carol@pbs!t", carol, "PUT", "/access/password", json=body)
    error(response, 401, "no password set")


def test_password_schema(pbs_sim):
    make_user(pbs_sim, "alice@pbs", password="alice-pass")
    error(
        as_root(pbs_sim, userid="alice@pbs", password="short12"),
        400,
        "parameter verification failed - 'password': value must be at least 8 characters long",
    )
    error(
        as_root(pbs_sim, userid="alice@pbs", password="x" * 65),
        400,
        "parameter verification failed - 'password': value may only be 64 characters long",
    )
    error(
        as_root(pbs_sim, userid="alice@pbs", password="tab\there-ok"),
        400,
        "parameter verification failed - 'password': value does not match the regex pattern",
    )
    error(
        as_root(pbs_sim, userid="alice@pbs", password="long-enough", **{"confirmation-password": ""}),
        400,
        "parameter verification failed - 'confirmation-password': value must be at least 1 characters long",
    )
    error(
        as_root(pbs_sim, userid="alice@pbs"),
        400,
        "parameter verification failed - 'password': property is missing and it is not optional",
    )
    data(as_root(pbs_sim, userid="alice@pbs", password="x" * 64))  # bounds 8..64 inclusive
    data(as_root(pbs_sim, userid="alice@pbs", password="8chars!!"))
    assert logs_in(pbs_sim, "alice@pbs", "8chars!!")


def test_unknown_user(pbs_sim):
    error(
        as_root(pbs_sim, userid="nobody@pbs", password="long-enough"),
        401,
        "user 'nobody@pbs' does not exists.",
    )
    # the caller's confirmation is checked before the target's existence
    make_user(pbs_sim, "alice@pbs", password="alice-pass")
    grant(pbs_sim, "/", "alice@pbs", "Admin")
    body = {"userid": "nobody@pbs", "password": "long-enough"}
    wrong = {**body, "confirmation-password": "wrong-one"}
    error(as_user(pbs_sim, "alice@pbs", "alice-pass", wrong), 401, "invalid credentials")
    right = {**body, "confirmation-password": "alice-pass"}
    error(as_user(pbs_sim, "alice@pbs", "alice-pass", right), 401, "user 'nobody@pbs' does not exists.")
    assert not logs_in(pbs_sim, "nobody@pbs", "long-enough")


def test_needs_authentication_and_form_bodies_work(pbs_sim):
    with pbs_sim.new_session(auth=None) as session:
        response = session.put(
            f"{pbs_sim.url}/api2/json/access/password",
            data={"userid": "root@pam", "password": "long-enough"},
            timeout=30,
        )
    error(response, 401, "authentication failed")
    make_user(pbs_sim, "alice@pbs", password="alice-pass")
    ticket = data(login(pbs_sim, "alice@pbs", "alice-pass"))
    with pbs_sim.new_session(auth=None) as session:
        response = session.put(
            f"{pbs_sim.url}/api2/json/access/password",
            headers={
                "Cookie": f"PBSAuthCookie={ticket['ticket']}",
                "CSRFPreventionToken": ticket["CSRFPreventionToken"],
            },
            data={"userid": "alice@pbs", "password": "via-a-form", "confirmation-password": "alice-pass"},
            timeout=30,
        )
    assert data(response) is None
    assert logs_in(pbs_sim, "alice@pbs", "via-a-form")
