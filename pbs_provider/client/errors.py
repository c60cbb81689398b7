"""Typed errors for PBS API calls, parsed from PBS's statuses and plain-text bodies, with hints.

PBS answers errors on `/api2/json` with a bare text body (not JSON) and a status that depends on
where the check happened (`proxmox-rest-server/src/rest.rs` in proxmox-rs): "not found" is a 400 `no such …`
on GET/PUT but a 404 on DELETE, "not allowed" is 401, 403 or a 400 `permission check failed`.
`error_from_response` decides all of that once; every error carries `.status`, `.message` (PBS's
text, secrets redacted) and `.hint`, a troubleshooting advice from the project's catalogue (the
`hint_*` functions here, reused by the preflight doctor). `str(error)` shows all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pbs_provider.client.privileges import required_privilege

MAX_MESSAGE_CHARS = 600


@dataclass(frozen=True)
class RequestContext:
    """What an error message needs to know about the failed call (never a secret)."""

    server: str
    auth_id: str
    host: str
    port: int
    method: str = ""
    path: str = ""


class PbsError(Exception):
    """A PBS API call failed. `.status` is the HTTP status (None without an HTTP answer)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        hint: str | None = None,
        context: RequestContext | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.hint = hint
        self.context = context
        self.retried = False
        """True when the transport retried before this answer (e.g. a DELETE after a reset)."""

    @property
    def server(self) -> str | None:
        """Name of the server (key of the stack config's `servers` map) the call went to."""
        return self.context.server if self.context else None

    def __str__(self) -> str:
        where = ""
        if self.context:
            where = f"{self.context.server}: "
            if self.context.method:
                where += f"{self.context.method} {self.context.path}: "
        status = f"HTTP {self.status}: " if self.status is not None else ""
        text = f"{where}{status}{self.message}"
        return f"{text}\nhint: {self.hint}" if self.hint else text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments: rebuild from the instance dict, not from `args`.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[PbsError], state: dict[str, Any]) -> PbsError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class NotFound(PbsError):
    """The object does not exist (PBS: 400 `no such …` / `… does not exist.`, or 404)."""


class AlreadyExists(PbsError):
    """POST of an object whose id is taken (400 `… already exists.`)."""


class AuthenticationFailed(PbsError):
    """401: wrong, expired or disabled password/token, or a ticket the server no longer accepts."""


class PermissionDenied(PbsError):
    """403, or one of the 400 permission texts PBS's handlers produce."""


class DigestConflict(PbsError):
    """400 `detected modified configuration`: the config file changed since the digest was read."""


class ParameterError(PbsError):
    """400 `parameter verification failed`; `.fields` maps each parameter to PBS's message."""

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.fields: dict[str, str] = dict(fields or {})


class ConnectionFailed(PbsError):
    """No usable HTTP answer: refused, unreachable, DNS, timeout, dropped connection.

    `.reason` is one of `refused`, `dns`, `connect-timeout`, `read-timeout`, `dropped`, `tls`,
    `redirect`, `other`. `.maybe_applied` is True when the request may have reached the server
    (dropped after sending, read timeout): a write may or may not have happened.
    """

    def __init__(self, message: str, *, reason: str = "other", maybe_applied: bool = False, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.reason = reason
        self.maybe_applied = maybe_applied


class TlsMismatch(ConnectionFailed):
    """The server's certificate was not accepted (pin mismatch, untrusted or wrong host name)."""

    def __init__(self, message: str, *, presented_fingerprint: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("reason", "tls")
        super().__init__(message, **kwargs)
        self.presented_fingerprint = presented_fingerprint


class ServerError(PbsError):
    """5xx from PBS (or a proxy in front of it) that persisted through the retries."""


# --------------------------------------------------------------------------------------------
# The troubleshooting catalogue (hints). Each takes only non-secret context.


def hint_authentication(auth_id: str) -> str:
    """401: credentials wrong/expired/disabled."""
    kind = "token" if "!" in auth_id else "password"
    return (
        f"the {kind} of `{auth_id}` is wrong or expired, or lacks privileges: recreate the token "
        "(or reset the password), check that the user and token are enabled and not expired, and "
        "grant Datastore.Backup on the target datastore"
    )


def hint_permission(auth_id: str, needed: str | None = None) -> str:
    """403 / 400 permission texts; `needed` is the privilege and ACL path the request needs
    (`privileges.required_privilege`), when known."""
    extra = (
        " API tokens need ACL entries of their own: their privileges are the intersection of the "
        "token's and its user's roles."
        if "!" in auth_id
        else ""
    )
    if needed:
        return (
            f"`{auth_id}` lacks a privilege this call needs: it needs {needed}. Add an ACL entry "
            f"with a role that grants it there (Configuration > Access Control > Permissions).{extra}"
        )
    return (
        f"`{auth_id}` lacks a privilege this call needs: add an ACL entry with a role that grants "
        f"it on the path in the message (e.g. DatastoreBackup on /datastore/<store>).{extra}"
    )


def hint_job_lock() -> str:
    """A sync job's lock is held: the job is running."""
    return (
        "the sync job is running (a task holds its lock): wait until it finishes (Administration > "
        "Tasks on the server) and run again"
    )


def hint_connection_refused(host: str, port: int) -> str:
    """TCP connection refused."""
    return (
        f"TCP {port} to `{host}` is blocked: open it in the firewall and check routing, and that "
        "proxmox-backup-proxy runs on the server"
    )


def hint_connect_timeout(host: str, port: int, seconds: float) -> str:
    """No TCP answer at all."""
    return (
        f"no answer from `{host}` on TCP {port} within {seconds:g}s: a firewall is probably dropping "
        "the packets, or the host is down or not routed; open the port, check routing, or raise "
        "connect_timeout for a slow link"
    )


def hint_dns(host: str) -> str:
    """Name resolution failed."""
    return f"the host name `{host}` does not resolve: check the url and the DNS configuration"


def hint_read_timeout(host: str, seconds: float) -> str:
    """Connected, but no answer in time."""
    return (
        f"`{host}` accepted the connection but did not answer within read_timeout={seconds:g}s: "
        "the server may be overloaded or a proxy is stuck; raise read_timeout if it is just slow"
    )


def hint_dropped(host: str) -> str:
    """Connection closed or reset mid-request."""
    return (
        f"the connection to `{host}` was closed before an answer arrived: check proxies and "
        "firewalls between here and the server, and the server's load"
    )


def hint_fingerprint_changed(presented: str | None) -> str:
    """The pinned fingerprint does not match the certificate."""
    seen = (
        f" The server now presents {presented}; verify it on the PBS host before using it."
        if presented
        else ""
    )
    return (
        "the server certificate changed (renewal?): update `fingerprint` or use a CA-signed "
        f"certificate.{seen}"
    )


def hint_untrusted_certificate(presented: str | None) -> str:
    """Self-signed (or otherwise untrusted) certificate without pin or CA file."""
    seen = f" The server presents {presented}." if presented else ""
    return (
        "the server's certificate is not signed by a trusted CA (PBS's default certificate is "
        "self-signed): set `fingerprint` to its SHA-256 fingerprint - shown on the PBS host by "
        "`proxmox-backup-manager cert info` or in the GUI under Dashboard > Show Fingerprint - "
        f"or set `caFile` to the CA that signed it.{seen} Compare before trusting it."
    )


def hint_hostname_mismatch(host: str) -> str:
    """Certificate valid, but for another name."""
    return (
        f"the certificate is not valid for `{host}`: use a host name the certificate lists, or pin "
        "the certificate with `fingerprint`"
    )


def hint_digest_conflict(attempts: int) -> str:
    """Optimistic locking kept failing."""
    return (
        f"another client kept changing the same PBS config file ({attempts} attempts): look for a "
        "concurrent writer (the GUI, another `pulumi up`, a script) and run again"
    )


def hint_unknown_parameter() -> str:
    """PBS rejected a field it does not know."""
    return (
        "the server does not know a field that was sent: it is probably older than the PBS "
        "release that introduced it; upgrade PBS or leave the field unset"
    )


def hint_missing_endpoint() -> str:
    """404 for the API path itself (not for an object)."""
    return "this PBS does not offer this API endpoint: it is probably older than the feature needs"


def hint_server_error(host: str) -> str:
    """5xx."""
    return (
        f"PBS on `{host}` failed internally or is restarting: retry later and check "
        "`journalctl -u proxmox-backup-proxy -u proxmox-backup` on the server"
    )


def hint_owner_check() -> str:
    """A sync job may not touch groups owned by someone else."""
    return (
        "the backup groups are owned by another user or token: set the job's `owner` to the "
        "owner of the existing groups, or change the groups' owner on the datastore"
    )


def hint_remote_in_use() -> str:
    """A remote cannot be deleted while sync jobs use it."""
    return "delete (or re-point) the sync jobs that use this remote first, then the remote"


def hint_redirect() -> str:
    """The server redirected (PBS redirects plain http to https)."""
    return "the server redirected the request: use the https:// URL of the PBS API (port 8007)"


# --------------------------------------------------------------------------------------------
# Parsing PBS's error bodies.

_SINGLE_PARAM = re.compile(r"^parameter verification failed - '(?P<name>[^']*)': (?P<msg>.*)$", re.S)
_MULTI_PARAM_LINE = re.compile(r"^- '(?P<name>[^']*)': (?P<msg>.*)$")
_HANDLER_PARAM = re.compile(r"^parameter '(?P<name>[^']*)' - (?P<msg>.*)$", re.S)
_PERMISSION_TEXTS = (
    "permission check failed",
    "missing permissions",
    "task access not allowed",
    "unprivileged ",  # update_acl without Permissions.Modify on /access/acl
)
_PATH_NOT_FOUND = re.compile(r"^Path '.*' not found\.?$")


def parse_parameter_fields(message: str) -> dict[str, str]:
    """Split a `parameter verification failed` text (one- or multi-line form) into field → message."""
    text = message.strip()
    single = _SINGLE_PARAM.match(text)
    if single:
        return {single["name"]: single["msg"].strip()}
    if text.startswith("parameter verification failed:"):
        fields: dict[str, str] = {}
        for line in text.splitlines()[1:]:
            found = _MULTI_PARAM_LINE.match(line.strip())
            if found:
                fields[found["name"]] = found["msg"].strip()
        return fields
    handler = _HANDLER_PARAM.match(text)
    if handler:
        return {handler["name"]: handler["msg"].strip()}
    return {}


def clean_message(body: str, secrets: tuple[str, ...] = ()) -> str:
    """PBS's error text, with known secrets replaced by `***` and long bodies (proxies' HTML) cut."""
    text = body.strip()
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + " …"
    return text or "(empty response body)"


def error_from_response(status: int, body: str, context: RequestContext) -> PbsError:
    """Map an HTTP error answer of PBS to the matching typed error with its hint.

    `body` must already be cleaned with `clean_message` (secrets redacted).
    """
    text = body.strip()
    lower = text.lower()
    common: dict[str, Any] = {"status": status, "context": context}
    if status == 401:
        return AuthenticationFailed(text, hint=hint_authentication(context.auth_id), **common)
    if status == 403 or (status == 400 and lower.startswith(_PERMISSION_TEXTS)):
        needed = required_privilege(context.method, context.path) if context.method else None
        return PermissionDenied(text, hint=hint_permission(context.auth_id, needed), **common)
    if status == 404:
        hint = hint_missing_endpoint() if _PATH_NOT_FOUND.match(text) else None
        return NotFound(text, hint=hint, **common)
    if status >= 500:
        return ServerError(text, hint=hint_server_error(context.host), **common)
    if 300 <= status < 400:
        return ConnectionFailed(text, reason="redirect", hint=hint_redirect(), **common)
    if "detected modified configuration" in lower:
        return DigestConflict(text, **common)
    if lower.startswith(_KEY_ACCESS_TEXT):
        # an encryption key the job names, not the object the request is about
        return ParameterError(text, fields={}, hint=hint_key_access(), **common)
    if lower.startswith("no such ") or re.search(r"does not exist\.?$", lower):
        return NotFound(text, **common)
    fields = parse_parameter_fields(text)
    if lower.rstrip(".").endswith("already exists") or any(
        m.rstrip(".").endswith("already exists") for m in fields.values()
    ):
        return AlreadyExists(text, **common)
    if fields or lower.startswith("parameter verification failed"):
        return ParameterError(text, fields=fields, hint=_parameter_hint(fields), **common)
    if lower.startswith("unable to acquire lock"):
        return PbsError(text, hint=hint_job_lock(), **common)
    if "owner check failed" in lower:
        return PbsError(text, hint=hint_owner_check(), **common)
    return PbsError(text, **common)


_KEY_ACCESS_TEXT = "no such key or cannot access key"


def hint_key_access() -> str:
    return (
        "the encryption key named in `activeEncryptionKey`/`associatedKey` does not exist on this server, "
        "or the job's owner cannot access it: check the key id on the PBS (Configuration → Encryption Keys)"
    )


def _parameter_hint(fields: dict[str, str]) -> str | None:
    messages = " ".join(fields.values())
    if "does not allow additional properties" in messages:
        return hint_unknown_parameter()
    if "is used by sync job" in messages:
        return hint_remote_in_use()
    return None
