"""Authentication headers for PBS: API tokens, or password login with ticket renewal.

* `TokenAuth`: `Authorization: PBSAPIToken=<authid>:<secret>` on every request, nothing to renew.
* `TicketAuth`: logs in once (`POST /access/ticket`), sends the ticket as the `PBSAuthCookie`
  cookie and the `CSRFPreventionToken` header on writes, renews the ticket (by posting the
  current ticket as password, as PBS's own client does) once it is `renew_after` seconds old —
  well inside PBS's 2 h lifetime — and logs in again after a 401. All of it is serialised by a
  lock, so parallel threads share one login.

Neither class shows a secret in its repr.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

from pydantic import SecretStr

from pbs_provider.client.errors import AuthenticationFailed, PbsError

logger = logging.getLogger(__name__)

TICKET_LIFETIME = 7200.0
"""Seconds a PBS ticket is accepted after it was issued."""
RENEW_AFTER = 3600.0
"""Renew tickets at half their lifetime (PBS's GUI renews even more often)."""

COOKIE_NAME = "PBSAuthCookie"
CSRF_HEADER = "CSRFPreventionToken"


class Auth(Protocol):
    """What the client needs from an authentication method."""

    def headers(self, method: str) -> dict[str, str]:
        """Headers authenticating one request with this HTTP method."""
        ...

    def renew_after_rejection(self, used: dict[str, str]) -> bool:
        """After a 401 for a request sent with `used`: refresh credentials; True → send again."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """Every secret value currently in use (for redaction)."""
        ...


class TokenAuth:
    """API token authentication (`user@realm!token`)."""

    def __init__(self, auth_id: str, secret: SecretStr) -> None:
        self._auth_id = auth_id
        self._secret = secret

    def headers(self, method: str) -> dict[str, str]:
        """The token header (no CSRF token needed with tokens)."""
        return {"Authorization": f"PBSAPIToken={self._auth_id}:{self._secret.get_secret_value()}"}

    def renew_after_rejection(self, used: dict[str, str]) -> bool:
        """A rejected token stays rejected."""
        return False

    def secrets(self) -> tuple[str, ...]:
        """The token secret."""
        return (self._secret.get_secret_value(),)

    def __repr__(self) -> str:
        return f"TokenAuth(auth_id={self._auth_id!r}, secret='**********')"


class TicketAuth:
    """Password login with a shared, renewed ticket (`user@realm`)."""

    def __init__(
        self,
        userid: str,
        password: SecretStr,
        *,
        login: Callable[[dict[str, str]], dict[str, Any]],
        clock: Callable[[], float] = time.monotonic,
        renew_after: float = RENEW_AFTER,
    ) -> None:
        self._userid = userid
        self._password = password
        self._login = login
        self._clock = clock
        self._renew_after = renew_after
        self._lock = threading.Lock()
        self._ticket: str | None = None
        self._csrf: str | None = None
        self._obtained_at = 0.0

    def __repr__(self) -> str:
        state = "logged in" if self._ticket else "not logged in"
        return f"TicketAuth(userid={self._userid!r}, {state})"

    def headers(self, method: str) -> dict[str, str]:
        """Cookie (and CSRF token for writes), logging in or renewing first when needed."""
        with self._lock:
            if self._ticket is None:
                self._full_login()
            elif self._clock() - self._obtained_at >= self._renew_after:
                self._renew()
            ticket, csrf = self._ticket, self._csrf
        assert ticket is not None and csrf is not None
        headers = {"Cookie": f"{COOKIE_NAME}={quote(ticket, safe='')}"}
        if method.upper() != "GET":
            headers[CSRF_HEADER] = csrf
        return headers

    def renew_after_rejection(self, used: dict[str, str]) -> bool:
        """Log in again unless another thread already did since `used` was built."""
        with self._lock:
            current = f"{COOKIE_NAME}={quote(self._ticket, safe='')}" if self._ticket else None
            if current is not None and used.get("Cookie") != current:
                return True
            logger.info("ticket of %s was rejected: logging in again", self._userid)
            self._full_login()
        return True

    def secrets(self) -> tuple[str, ...]:
        """Password, current ticket and CSRF token."""
        return tuple(
            value for value in (self._password.get_secret_value(), self._ticket, self._csrf) if value
        )

    # Called with the lock held.

    def _full_login(self) -> None:
        self._store(self._login({"username": self._userid, "password": self._password.get_secret_value()}))
        logger.debug("logged in as %s", self._userid)

    def _renew(self) -> None:
        assert self._ticket is not None
        try:
            self._store(self._login({"username": self._userid, "password": self._ticket}))
            logger.debug("renewed the ticket of %s", self._userid)
        except PbsError as error:
            logger.info("ticket renewal for %s failed (%s): logging in again", self._userid, error.status)
            self._full_login()

    def _store(self, data: dict[str, Any]) -> None:
        ticket, csrf = data.get("ticket"), data.get("CSRFPreventionToken")
        if not isinstance(ticket, str) or not isinstance(csrf, str):
            raise AuthenticationFailed(
                "login answer without ticket and CSRF token",
                hint="the server did not answer like PBS: check the url",
            )
        if ticket.startswith("PBS:!tfa!") or csrf == "invalid":
            raise AuthenticationFailed(
                f"`{self._userid}` needs a second factor (TFA) to log in",
                hint="use an API token (`user@realm!token`) for automation; tokens skip TFA",
            )
        self._ticket, self._csrf, self._obtained_at = ticket, csrf, self._clock()
