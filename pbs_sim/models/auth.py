"""Authentication: tickets, CSRF tokens and API-token headers (proxmox-auth-api's rules).

* Ticket ``PBS:<userid>:<8 upper-hex epoch>::<base64 no-pad signature>``, valid while
  ``-300 <= now - time < 7200``; signed with a key kept in the data dir (survives restarts).
* CSRF token ``<8 upper-hex epoch>:<base64 no-pad HMAC-SHA3-256>`` over ``"<time>:<userid>:"``,
  required for every non-GET request authenticated by a ticket cookie.
* ``Authorization: PBSAPIToken=<tokenid>:<secret>`` (or a space instead of ``=``), split at the first
  ``:``, secret percent-decoded. A ticket cookie takes precedence over the header.
Failures raise :class:`AuthFailure` (the HTTP layer answers 401 ``authentication failed``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, unquote

from pbs_sim import grammar
from pbs_sim.models.users import UserStore

TICKET_PREFIX = "PBS"
TICKET_LIFETIME = 7200
MIN_TICKET_AGE = -300
COOKIE_NAME = "PBSAuthCookie"
HOST_COOKIE_NAME = "__Host-PBSAuthCookie"
TOKEN_PREFIX = "PBSAPIToken"


class AuthFailure(Exception):
    """Why a request is not authenticated (logged by the server, never sent to the client)."""


@dataclass(frozen=True)
class LoginResult:
    username: str
    ticket: str
    csrf_token: str


def _b64_nopad(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _load_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key


class Authenticator:
    def __init__(self, data_dir: Path, users: UserStore, now: Callable[[], int]) -> None:
        self._ticket_key = _load_key(data_dir / "authkey.key")
        self._csrf_key = _load_key(data_dir / "csrf.key")
        self._users = users
        self._now = now

    # --- tickets ---------------------------------------------------------------------------------
    def _sign(self, data: str) -> str:
        return _b64_nopad(hmac.new(self._ticket_key, data.encode(), hashlib.sha256).digest())

    def make_ticket(self, userid: str) -> str:
        data = f"{TICKET_PREFIX}:{quote(userid, safe='@!')}:{self._now():08X}"
        return f"{data}::{self._sign(data)}"

    def verify_ticket(self, ticket: str) -> str:
        """The userid of a valid, unexpired ticket."""
        data, sep, signature = ticket.rpartition("::")
        parts = data.split(":")
        if not sep or len(parts) != 3 or parts[0] != TICKET_PREFIX:
            raise AuthFailure("ticket format error")
        if not hmac.compare_digest(self._sign(data), signature):
            raise AuthFailure("ticket with invalid signature")
        try:
            issued = int(parts[2], 16)
        except ValueError:
            raise AuthFailure("ticket with invalid timestamp") from None
        age = self._now() - issued
        if age < MIN_TICKET_AGE:
            raise AuthFailure("invalid ticket - timestamp newer than expected")
        if age > TICKET_LIFETIME:
            raise AuthFailure("ticket expired")
        userid = unquote(parts[1])
        if not grammar.is_userid(userid):
            raise AuthFailure("ticket contains invalid userid")
        return userid

    # --- CSRF ------------------------------------------------------------------------------------
    def _csrf_digest(self, timestamp: str, userid: str) -> str:
        data = f"{timestamp}:{userid}:".encode()
        return _b64_nopad(hmac.new(self._csrf_key, data, hashlib.sha3_256).digest())

    def make_csrf_token(self, userid: str) -> str:
        timestamp = f"{self._now():08X}"
        return f"{timestamp}:{self._csrf_digest(timestamp, userid)}"

    def verify_csrf_token(self, userid: str, token: str) -> None:
        timestamp, sep, digest = token.partition(":")
        if not sep or len(timestamp) != 8:
            raise AuthFailure("invalid csrf token - format error")
        try:
            issued = int(timestamp, 16)
        except ValueError:
            raise AuthFailure("invalid csrf token - format error") from None
        if not hmac.compare_digest(self._csrf_digest(timestamp, userid), digest):
            raise AuthFailure("invalid csrf token - invalid signature")
        age = self._now() - issued
        if age < MIN_TICKET_AGE or age > TICKET_LIFETIME:
            raise AuthFailure("invalid csrf token - timestamp out of range")

    # --- login -----------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> LoginResult:
        """``POST /access/ticket``: password or a still-valid ticket (renewal)."""
        if not self._users.is_active(username):
            raise AuthFailure("user account disabled or expired.")
        if password.startswith(f"{TICKET_PREFIX}:"):
            try:
                ticket_user = self.verify_ticket(password)
            except AuthFailure:
                ticket_user = None
            if ticket_user is not None:
                if ticket_user != username:
                    raise AuthFailure("ticket login failed - wrong userid")
                return self._issue(username)
        if not self._users.verify_password(username, password):
            raise AuthFailure("authentication failure")
        return self._issue(username)

    def _issue(self, userid: str) -> LoginResult:
        return LoginResult(userid, self.make_ticket(userid), self.make_csrf_token(userid))

    # --- request authentication ------------------------------------------------------------------
    def authenticate(self, headers: Mapping[str, str], cookie_headers: list[str], method: str) -> str:
        """The auth-id of the request, or :class:`AuthFailure`."""
        ticket = self._ticket_from_cookies(cookie_headers)
        if ticket is not None:
            userid = self.verify_ticket(ticket)
            if not self._users.is_active(userid):
                raise AuthFailure("user account disabled or expired.")
            if method != "GET":
                csrf = headers.get("csrfpreventiontoken")
                if csrf is None:
                    raise AuthFailure("missing CSRF prevention token")
                self.verify_csrf_token(userid, csrf)
            return userid
        authorization = headers.get("authorization")
        if authorization is None or not authorization.startswith(TOKEN_PREFIX):
            raise AuthFailure("no authentication credentials provided.")
        rest = authorization[len(TOKEN_PREFIX) :]
        if not rest or rest[0] not in " =":
            raise AuthFailure("no authentication credentials provided.")
        tokenid, sep, secret = rest[1:].partition(":")
        if not grammar.is_authid(tokenid) or "!" not in tokenid:
            raise AuthFailure("invalid API token id")
        if not self._users.is_active(tokenid):
            raise AuthFailure("user account or token disabled or expired.")
        if not sep:
            raise AuthFailure("failed to split API token header")
        if not self._users.verify_token_secret(tokenid, unquote(secret)):
            raise AuthFailure("invalid API token secret")
        return tokenid

    @staticmethod
    def _ticket_from_cookies(cookie_headers: list[str]) -> str | None:
        ticket = None
        for header in cookie_headers:
            jar = SimpleCookie()
            try:
                jar.load(header)
            except Exception:
                continue
            if HOST_COOKIE_NAME in jar:
                return unquote(jar[HOST_COOKIE_NAME].value)
            if COOKIE_NAME in jar:
                ticket = unquote(jar[COOKIE_NAME].value)
        return ticket
