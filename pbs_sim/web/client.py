"""Outbound HTTPS to another PBS, the way PBS's ``pbs-client`` ``HttpClient`` does it (for sync runs).

* **Network.** The simulator only ever connects to loopback (``127.0.0.0/8``, ``::1``, ``localhost``).
  Any other host fails like an unknown host (names) or an unreachable network (addresses), so no
  traffic leaves the machine.
* **TLS.** A certificate that the trust store (system CAs, or ``trusted_ca``) validates is accepted
  whatever the configured fingerprint; otherwise the leaf's SHA-256 fingerprint must equal the
  configured one (``verify_callback``). A mismatch logs PBS's warnings and fails the connection.
* **Auth.** A token goes in ``Authorization: PBSAPIToken <id>:<secret>``; a user first logs in with
  ``POST /access/ticket`` and then sends the ticket cookie and CSRF token.
* **Requests.** GET/PUT/DELETE parameters go in the query string, POST parameters as JSON
  (``request_builder``). A non-2xx answer is an :class:`HttpError` (status + body text); connection
  failures read ``client error (Connect)`` with the cause in the chain.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import quote

import requests

from pbs_sim import errors
from pbs_sim.models.sync_common import HttpError, SyncError
from pbs_sim.tls import FingerprintAdapter, fingerprint_of_der

USER_AGENT = "proxmox-backup-client/1.0"
CONNECT_TIMEOUT = 10.0
HTTP_TIMEOUT = 20.0
# percent-encoding's DEFAULT_ENCODE_SET leaves every other printable ASCII character alone
_TOKEN_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ' "#<>`?{}')

LogFn = Callable[[str, str], None]  # (level "warn"|"error", message)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpClient:
    """One remote's client for one sync run (``remote_client_config``)."""

    def __init__(
        self,
        host: str,
        port: int | None,
        auth_id: str,
        secret: str,
        fingerprint: str | None = None,
        trusted_ca: str | None = None,
        log: LogFn | None = None,
    ) -> None:
        self.host = host
        self.port = port or 8007
        self.auth_id = auth_id
        self._secret = secret
        self._fingerprint = fingerprint.lower() if fingerprint else None
        self._trusted_ca = trusted_ca
        self._log = log or (lambda level, message: None)
        self._session: requests.Session | None = None
        self._verify: bool | str = False
        self._ticket: tuple[str, str] | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    # --- connection ------------------------------------------------------------------------------
    def _fail(self, detail: str) -> NoReturn:
        """``client error (Connect)`` caused by proxmox-http's ``error connecting to <uri> - <detail>``."""
        raise SyncError(errors.CLIENT_CONNECT_ERROR) from SyncError(
            errors.connecting_to(f"{self.base_url}/", detail)
        )

    def _tcp(self) -> socket.socket:
        if not is_loopback(self.host):
            try:
                ipaddress.ip_address(self.host)
            except ValueError:
                self._fail(errors.CONNECT_DNS)
            self._fail(errors.CONNECT_UNREACHABLE)
        try:
            return socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT)
        except ConnectionRefusedError:
            self._fail(errors.CONNECT_REFUSED)
        except TimeoutError:
            self._fail(errors.CONNECT_TIMEOUT)
        except OSError as exc:
            self._fail(f"tcp connect error: {exc.strerror} (os error {exc.errno})")

    def _probe_tls(self) -> bool:
        """True if the chain is trusted; False if pinned by fingerprint; raises otherwise."""
        context = ssl.create_default_context(cafile=self._trusted_ca)
        raw = self._tcp()
        try:
            with context.wrap_socket(raw, server_hostname=self.host):
                return True
        except ssl.SSLCertVerificationError:
            pass
        except (ssl.SSLError, OSError) as exc:
            raise SyncError(errors.CLIENT_CONNECT_ERROR) from SyncError(str(exc))
        finally:
            raw.close()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = self._tcp()
        try:
            with context.wrap_socket(raw, server_hostname=self.host) as tls:
                der = tls.getpeercert(binary_form=True) or b""
        except (ssl.SSLError, OSError) as exc:
            raise SyncError(errors.CLIENT_CONNECT_ERROR) from SyncError(str(exc))
        finally:
            raw.close()
        if self._fingerprint is not None and self._fingerprint == fingerprint_of_der(der):
            return False
        if self._fingerprint is not None:
            self._log("warn", errors.FINGERPRINT_MISMATCH)
            self._log("warn", f"expected:    {self._fingerprint}")
        self._log("error", errors.FINGERPRINT_NOT_CONFIRMED)
        raise SyncError(errors.CLIENT_CONNECT_ERROR) from SyncError(errors.CONNECT_CERT_VERIFY)

    def _ensure_session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                trusted = self._probe_tls()
                session = requests.Session()
                session.headers["User-Agent"] = USER_AGENT
                if trusted:
                    self._verify = self._trusted_ca or True
                else:
                    session.mount("https://", FingerprintAdapter(self._fingerprint or ""))
                self._session = session
            return self._session

    # --- auth ------------------------------------------------------------------------------------
    def login(self) -> None:
        """``HttpClient::login``: a user gets a ticket (once); tokens need nothing."""
        if "!" in self.auth_id:
            return
        with self._lock:
            if self._ticket is not None:
                return
        answer = self._send(
            "POST",
            "/api2/json/access/ticket",
            {"username": self.auth_id, "password": self._secret},
            {},
            auth=False,
        )
        data = answer.get("data") or {}
        with self._lock:
            self._ticket = (str(data.get("ticket", "")), str(data.get("CSRFPreventionToken", "")))

    def _auth_headers(self) -> dict[str, str]:
        if "!" in self.auth_id:
            return {"Authorization": f"PBSAPIToken {self.auth_id}:{quote(self._secret, safe=_TOKEN_SAFE)}"}
        self.login()
        assert self._ticket is not None
        ticket, csrf = self._ticket
        return {"Cookie": f"PBSAuthCookie={quote(ticket, safe=_TOKEN_SAFE)}", "CSRFPreventionToken": csrf}

    # --- requests --------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        auth: bool = True,
    ) -> dict[str, Any]:
        session = self._ensure_session()
        all_headers = dict(headers)
        if auth:
            all_headers.update(self._auth_headers())
        url = f"{self.base_url}{path}"
        kwargs: dict[str, Any] = {"headers": all_headers, "timeout": (CONNECT_TIMEOUT, HTTP_TIMEOUT)}
        if self._verify:
            kwargs["verify"] = self._verify
        if params is not None and method == "POST":
            all_headers["Content-Type"] = "application/json"
            kwargs["data"] = json.dumps(params)
        elif params is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            kwargs["params"] = [(k, _query_value(v)) for k, v in params.items()]
        try:
            response = session.request(method, url, **kwargs)
        except requests.Timeout:
            raise SyncError(errors.HTTP_REQUEST_TIMED_OUT) from None
        except requests.RequestException as exc:
            raise SyncError(errors.CLIENT_CONNECT_ERROR) from SyncError(str(exc))
        if not 200 <= response.status_code < 300:
            raise HttpError(response.status_code, response.text)
        if not response.content:
            return {}
        return response.json()

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The answer's ``data`` (``HttpClient::get/post/delete`` + ``result["data"]``)."""
        return self._send(method, path, params, headers or {}).get("data")

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
