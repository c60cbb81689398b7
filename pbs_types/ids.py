"""PBS identifier and path grammars: SAFE_ID names, user/auth ids, namespaces, ACL paths, hosts.

Ported from proxmox-schema `api_types.rs`, proxmox-auth-api `types.rs`, pbs-api-types
(`lib.rs`, `datastore.rs`, `jobs.rs`, `remote.rs`, `acl.rs`) and PBS `pbs-config/src/acl.rs`.
Each grammar is a `StringRule` (length + pattern, PBS's messages); ids with structure
(user ids, auth ids, namespaces, ACL paths) also have a parse/check function that applies
PBS's second, structural step with its messages.

Regex translation notes: Rust's `[[:cntrl:]]` is ASCII control only (`\\x00-\\x1f\\x7f`) and
its `\\s` is Unicode White_Space; both are spelled out explicitly below, and every pattern is
applied with `fullmatch` (see `rules`).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import quote

from .errors import PbsValueError
from .roles import ROLE_PRIVILEGES, check_role  # re-exported: the role table sits with ACL paths
from .rules import CONTROL_CHARS, RUST_WHITESPACE, IntegerRule, SchemaViolation, StringRule

__all__ = [
    "ACL_PATH_RULE",
    "AUTHID_RULE",
    "BACKUP_ID_RULE",
    "BACKUP_TYPES",
    "COMMENT_RULE",
    "CRYPT_KEY_ID_RULE",
    "DATASTORE_NAME_RULE",
    "DIGEST_RULE",
    "EMAIL_RULE",
    "FINGERPRINT_RULE",
    "FIRST_NAME_RULE",
    "HOST_RULE",
    "JOB_ID_RULE",
    "LAST_NAME_RULE",
    "MAX_NAMESPACE_DEPTH",
    "MAX_NAMESPACE_LENGTH",
    "NAMESPACE_NAME_RULE",
    "NAMESPACE_RULE",
    "NS_MAX_DEPTH_RULE",
    "PORT_RULE",
    "REALM_RULE",
    "REMOTE_NAME_RULE",
    "REMOTE_PASSWORD_BASE64_RULE",
    "REMOTE_PASSWORD_RULE",
    "ROLE_PRIVILEGES",
    "ROOT_USERID",
    "SAFE_ID_RULE",
    "TOKEN_NAME_RULE",
    "USERID_RULE",
    "USER_PASSWORD_RULE",
    "AuthId",
    "InvalidId",
    "check_acl_path",
    "check_namespace_creatable",
    "check_namespace_max_depth",
    "check_path_segment",
    "check_role",
    "encode_remote_password",
    "namespace_depth",
    "normalize_fingerprint",
    "parse_authid",
    "parse_backup_group",
    "parse_namespace",
    "parse_userid",
    "quote_path_segment",
    "split_acl_path",
    "validate_acl_path",
]


class InvalidId(PbsValueError):
    """An identifier or path that fails PBS's structural check (after the schema pattern)."""


# --- building blocks (Python regex source) -------------------------------------------------

SAFE_ID_RE = r"(?:[A-Za-z0-9_][A-Za-z0-9._\-]*)"

# Rust regex `\s` (Unicode White_Space) is spelled out; Python's `\s` differs slightly.
USER_NAME_RE = rf"(?:[^{re.escape(RUST_WHITESPACE)}:/{CONTROL_CHARS}]+)"
USER_ID_RE = rf"{USER_NAME_RE}@{SAFE_ID_RE}"
APITOKEN_ID_RE = rf"{USER_ID_RE}!{SAFE_ID_RE}"

_IPV4_OCTET = r"(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])"
IPV4_RE = rf"(?:(?:{_IPV4_OCTET}\.){{3}}{_IPV4_OCTET})"
_H16 = r"(?:[0-9a-fA-F]{1,4})"
_LS32 = rf"(?:(?:{IPV4_RE}|{_H16}:{_H16}))"
IPV6_RE = (
    r"(?:"
    rf"(?:(?:(?:{_H16}:){{6}}){_LS32})|"
    rf"(?:(?:::(?:{_H16}:){{5}}){_LS32})|"
    rf"(?:(?:(?:{_H16})?::(?:{_H16}:){{4}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,3}}{_H16})?::(?:{_H16}:){{1}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,4}}{_H16})?::){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,5}}{_H16})?::){_H16})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,6}}{_H16})?::))"
    r")"
)
DNS_LABEL_RE = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)"
DNS_NAME_RE = rf"(?:(?:{DNS_LABEL_RE}\.)*{DNS_LABEL_RE})"

BACKUP_NS_RE = rf"(?:(?:{SAFE_ID_RE}/){{0,7}}{SAFE_ID_RE})?"
BACKUP_TYPES: tuple[str, ...] = ("vm", "ct", "host")
BACKUP_TYPE_RE = r"(?:host|vm|ct)"
BACKUP_ID_RE = r"[A-Za-z0-9_][A-Za-z0-9._\-]*"

# --- plain SAFE_ID names ---------------------------------------------------------------------

SAFE_ID_RULE = StringRule("Safe identifier.", pattern=SAFE_ID_RE)
DATASTORE_NAME_RULE = StringRule("Datastore name.", pattern=SAFE_ID_RE, min_length=3, max_length=32)
REMOTE_NAME_RULE = StringRule("Remote ID.", pattern=SAFE_ID_RE, min_length=3, max_length=32)
JOB_ID_RULE = StringRule("Job ID.", pattern=SAFE_ID_RE, min_length=3, max_length=32)
CRYPT_KEY_ID_RULE = StringRule(
    "ID to uniquely identify encryption/decription key", pattern=SAFE_ID_RE, min_length=3, max_length=32
)
REALM_RULE = StringRule("Realm name.", pattern=SAFE_ID_RE, min_length=2, max_length=32)
# The `token-name` path parameter is the `Tokenname` type: pattern only; the whole token id
# (`user@realm!name`) is still limited to 64 characters when PBS stores it.
TOKEN_NAME_RULE = StringRule("API Token name", pattern=SAFE_ID_RE)

# --- free text, secrets, hosts, digests --------------------------------------------------------

COMMENT_RULE = StringRule("Comment.", pattern=rf"[^{CONTROL_CHARS}]*", max_length=128)
REMOTE_PASSWORD_RULE = StringRule(
    "Password or auth token for remote host.", pattern=rf"[^{CONTROL_CHARS}]*", min_length=1, max_length=1024
)
# remote.cfg keeps the password base64-encoded, and the section-config writer checks the
# encoded text against this schema (pbs-api-types `remote.rs`, `REMOTE_PASSWORD_BASE64_SCHEMA`).
REMOTE_PASSWORD_BASE64_RULE = StringRule(
    "Password or auth token for remote host (stored as base64 string).",
    pattern=rf"[^{CONTROL_CHARS}]*",
    min_length=1,
    max_length=1024,
)
USER_PASSWORD_RULE = StringRule(
    "User Password.", pattern=rf"[^{CONTROL_CHARS}]*", min_length=8, max_length=64
)
FIRST_NAME_RULE = StringRule("First name.", pattern=rf"[^{CONTROL_CHARS}]*", min_length=2, max_length=64)
LAST_NAME_RULE = StringRule("Last name.", pattern=rf"[^{CONTROL_CHARS}]*", min_length=2, max_length=64)
EMAIL_RULE = StringRule("E-Mail Address.", pattern=rf"[^{CONTROL_CHARS}]*", min_length=2, max_length=64)
HOST_RULE = StringRule("DNS name or IP address.", pattern=rf"(?:{DNS_NAME_RE}|{IPV4_RE}|{IPV6_RE})")
PORT_RULE = IntegerRule("The (optional) port", minimum=0, maximum=65535)
FINGERPRINT_RULE = StringRule(
    "X509 certificate fingerprint (sha256).",
    pattern=r"(?:[0-9a-fA-F][0-9a-fA-F])(?::[0-9a-fA-F][0-9a-fA-F]){31}",
)
DIGEST_RULE = StringRule(
    "Prevent changes if current configuration file has different SHA256 digest.", pattern=r"[a-f0-9]{64}"
)


def encode_remote_password(password: str) -> str:
    """The base64 text PBS stores for a remote's password, checked as PBS's writer checks it.

    `proxmox_serde::string_as_base64` (standard alphabet, padded) of the UTF-8 bytes; a
    password of more than 768 bytes encodes to more than 1024 characters and is refused when
    `remote.cfg` is written, although the API's own check (1-1024 characters) passed.
    """
    encoded = base64.b64encode(password.encode("utf-8")).decode("ascii")
    if not REMOTE_PASSWORD_BASE64_RULE.is_valid(encoded):
        raise SchemaViolation(
            f"value is {len(encoded)} characters long base64-encoded, as PBS stores it; at most "
            f"{REMOTE_PASSWORD_BASE64_RULE.max_length} are allowed (768 bytes of UTF-8)"
        )
    return encoded


def normalize_fingerprint(fingerprint: str) -> str:
    """The form to compare fingerprints in: lower case (PBS's client lower-cases before comparing)."""
    return fingerprint.lower()


# --- user ids and auth ids -------------------------------------------------------------------

ROOT_USERID = "root@pam"

USERID_RULE = StringRule("User ID", pattern=USER_ID_RE, min_length=3, max_length=64)
AUTHID_RULE = StringRule(
    "Authentication ID", pattern=rf"(?:{USER_ID_RE}|{APITOKEN_ID_RE})", min_length=3, max_length=64
)
_USER_NAME = re.compile(USER_NAME_RE)
_SAFE_ID = re.compile(SAFE_ID_RE)
_REALM_IN_USERID = StringRule("Authentication domain ID", pattern=SAFE_ID_RE, min_length=2, max_length=32)


@dataclass(frozen=True)
class AuthId:
    """A parsed `name@realm` (a user) or `name@realm!token` (an API token)."""

    name: str
    realm: str
    token: str | None = None

    @property
    def userid(self) -> str:
        """The user part, `name@realm` (for a token: the owning user)."""
        return f"{self.name}@{self.realm}"

    @property
    def is_token(self) -> bool:
        return self.token is not None

    def __str__(self) -> str:
        return self.userid if self.token is None else f"{self.userid}!{self.token}"


def _split_userid(text: str) -> AuthId:
    """`Userid::from_str`: split at the last `@`, check name and realm."""
    at = text.rfind("@")
    if at < 0:
        raise InvalidId("not a valid user id")
    name, realm = text[:at], text[at + 1 :]
    if _USER_NAME.fullmatch(name) is None:
        raise InvalidId("invalid user name in user id")
    if not _REALM_IN_USERID.is_valid(realm):
        raise InvalidId("invalid realm in user id")
    return AuthId(name, realm)


def parse_userid(text: str) -> AuthId:
    """Check a Userid (`name@realm`, 3-64) as PBS does: schema pattern, then structure."""
    USERID_RULE.check(text)
    return _split_userid(text)


def parse_authid(text: str) -> AuthId:
    """Check an Authid (`name@realm` or `name@realm!token`, 3-64): schema, then `Authid::from_str`."""
    AUTHID_RULE.check(text)
    at = text.rfind("@")
    if at < 0:
        raise InvalidId("not a valid user id")
    bang = text.rfind("!")
    realm_end = bang if bang > at else len(text)
    if realm_end == len(text) - 1:
        raise InvalidId("empty token name in userid")
    user = _split_userid(text[:realm_end])
    if realm_end == len(text):
        return user
    token = text[realm_end + 1 :]
    if _SAFE_ID.fullmatch(token) is None:
        raise InvalidId("invalid token name")
    return AuthId(user.name, user.realm, token)


# --- backup namespaces ---------------------------------------------------------------------

MAX_NAMESPACE_DEPTH = 7
MAX_NAMESPACE_LENGTH = 256  # 32 * 8

NAMESPACE_RULE = StringRule("Namespace.", pattern=BACKUP_NS_RE, max_length=MAX_NAMESPACE_LENGTH)
# `max-depth` of sync jobs (no default: absent = full recursion) and of namespace listings.
NS_MAX_DEPTH_RULE = IntegerRule(
    "How many levels of namespaces should be operated on (0 == no recursion)", minimum=0, maximum=7
)


def parse_namespace(ns: str) -> tuple[str, ...]:
    """The components of a namespace (`""` = root = `()`), checked as PBS checks them.

    Schema first (pattern: SAFE_ID components joined by `/`, max 256 chars), then
    `BackupNamespace::new`, which limits the depth to 7 (`namespace too deep, 7 >= max 7`).
    """
    NAMESPACE_RULE.check(ns)
    if ns == "":
        return ()
    components: list[str] = []
    length = 0
    for component in ns.split("/"):
        depth = len(components)
        if depth >= MAX_NAMESPACE_DEPTH:
            raise InvalidId(f"namespace too deep, {depth} >= max {MAX_NAMESPACE_DEPTH}")
        if length + len(component) + 1 > MAX_NAMESPACE_LENGTH:
            raise InvalidId("namespace length exceeded")
        if _SAFE_ID.fullmatch(component) is None:
            raise InvalidId(f"not a valid namespace component: {component}")
        length += len(component) + (1 if components else 0)
        components.append(component)
    return tuple(components)


# The `name` parameter of namespace creation (`POST /admin/datastore/{store}/namespace`,
# src/api2/admin/namespace.rs): a SAFE_ID of 1-32 characters. The namespace path itself only
# limits the total length (256) and the depth (7), so a longer component passes `parse_namespace`
# but cannot be created.
NAMESPACE_NAME_RULE = StringRule(
    "The name of the new namespace to add at the parent.", pattern=SAFE_ID_RE, min_length=1, max_length=32
)


def check_namespace_creatable(ns: str) -> tuple[str, ...]:
    """The components of a namespace that can be created one level at a time, as PBS creates it.

    `parse_namespace` first (schema, depth), then every component as the create call's `name`
    (1-32 characters); the root `""` cannot be created (`Cannot create/delete root namespace!`).
    """
    components = parse_namespace(ns)
    if not components:
        raise InvalidId("Cannot create/delete root namespace!")
    for component in components:
        try:
            NAMESPACE_NAME_RULE.check(component)
        except PbsValueError as err:
            raise InvalidId(f"namespace component '{component}': {err.message}") from None
    return components


def namespace_depth(ns: str) -> int:
    """Depth of a namespace: 0 for the root `""`, 1 for `a`, 2 for `a/b`, ..."""
    return len(parse_namespace(ns))


def check_namespace_max_depth(ns: str, max_depth: int) -> None:
    """`BackupNamespace::check_max_depth`: depth(ns) + max-depth must not exceed 7."""
    depth = namespace_depth(ns)
    if depth + max_depth > MAX_NAMESPACE_DEPTH:
        raise InvalidId(
            f"namespace '{ns}'s depth and recursion depth exceed limit: "
            f"{depth} + {max_depth} > {MAX_NAMESPACE_DEPTH}"
        )


# --- backup groups -----------------------------------------------------------------------

BACKUP_ID_RULE = StringRule("Backup ID.", pattern=BACKUP_ID_RE)
_GROUP_PATH = re.compile(rf"({BACKUP_TYPE_RE})/({BACKUP_ID_RE})")


def parse_backup_group(path: str) -> tuple[str, str]:
    """Split a backup group `"<type>/<id>"` (e.g. `"vm/100"`) into `(type, id)`."""
    match = _GROUP_PATH.fullmatch(path)
    if match is None:
        raise InvalidId(f"unable to parse backup group path '{path}'")
    return match.group(1), match.group(2)


# --- ACL paths ---------------------------------------------------------------------------

ACL_PATH_RULE = StringRule(
    "Access control path.", pattern=rf"(?:/|(?:/{SAFE_ID_RE})+)", min_length=1, max_length=128
)

_SYSTEM_LEAVES = frozenset({"certificates", "disks", "log", "notifications", "status", "tasks", "time"})


def split_acl_path(path: str) -> list[str]:
    """The non-empty `/`-separated components of an ACL path (`/` -> `[]`)."""
    return [component for component in path.split("/") if component]


def _acl_path_shape_ok(parts: list[str]) -> bool:
    count = len(parts)
    if count == 0:
        return True
    head = parts[0]
    if head == "access":
        if count == 1:
            return True
        if parts[1] in ("acl", "users", "domains"):
            return count == 2
        return parts[1] == "openid" and count <= 3
    if head == "datastore":  # /datastore/{store}/{ns...}
        return count <= 2 + MAX_NAMESPACE_DEPTH
    if head == "remote":  # /remote/{remote}/{store}/{ns...}
        return count <= 3 + MAX_NAMESPACE_DEPTH
    if head == "system":
        if count == 1:
            return True
        second = parts[1]
        if second in _SYSTEM_LEAVES:
            return count == 2
        if second in ("services", "s3-endpoint", "encryption-keys"):
            return count <= 3
        if second == "network":
            if count == 2:
                return True
            if parts[2] == "dns":
                return count == 3
            return parts[2] == "interfaces" and count <= 4
        return False
    if head == "tape":
        if count == 1:
            return True
        return parts[1] in ("device", "pool", "job") and count <= 3
    return False


def check_acl_path(path: str) -> str:
    """PBS's `check_acl_path`: the path must name a known subtree (`invalid acl path '<p>'.`).

    Structure only, as PBS applies it when an ACL entry is added; `ACL_PATH_RULE` is the
    schema check every request gets first. `validate_acl_path` does both.
    """
    if not _acl_path_shape_ok(split_acl_path(path)):
        raise InvalidId(f"invalid acl path '{path}'.")
    return path


def validate_acl_path(path: str) -> str:
    """Schema (`ACL_PATH_RULE`) then structure (`check_acl_path`), in PBS's order."""
    ACL_PATH_RULE.check(path)
    return check_acl_path(path)


# --- URL path segments -------------------------------------------------------------------

_UNSAFE_SEGMENT = re.compile(rf"[/%{CONTROL_CHARS}]")


def check_path_segment(value: str) -> str:
    """Return `value` if it may be placed in one URL path segment of a PBS API path.

    Rejects what PBS's router would split or refuse: empty values, `/`, a leading `.` (so `.`
    and `..`), `%` (the router percent-decodes segments) and control characters. Every
    SAFE_ID-based name passes; user names (which may contain e.g. `?` or `#`) still need
    `quote_path_segment`.
    """
    if value == "" or value.startswith(".") or _UNSAFE_SEGMENT.search(value):
        raise InvalidId(f"unsafe value for a URL path segment: {value!r}")
    return value


def quote_path_segment(value: str) -> str:
    """`check_path_segment`, then percent-encode (keeping `@` and `!` readable)."""
    return quote(check_path_segment(value), safe="@!")
