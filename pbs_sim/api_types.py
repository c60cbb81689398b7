"""PBS's API type schemas (pbs-api-types): the field schemas, bounds and "since" versions.

Every endpoint's input schema is composed from these, so a bound or a version lives in one place.
"""

from __future__ import annotations

from pbs_sim import grammar
from pbs_sim.errors import SchemaViolation
from pbs_sim.schema import (
    ArraySchema,
    BooleanSchema,
    IntegerSchema,
    ObjectSchema,
    Property,
    StringSchema,
)

# --- base schemas ------------------------------------------------------------------------------
SAFE_ID_3_32 = StringSchema(min_length=3, max_length=32, pattern=grammar.SAFE_ID_RE)
REMOTE_ID = SAFE_ID_3_32
DATASTORE_NAME = SAFE_ID_3_32
JOB_ID = SAFE_ID_3_32
CRYPT_KEY_ID = SAFE_ID_3_32
TOKEN_NAME = StringSchema(pattern=grammar.SAFE_ID_RE)
USERID = StringSchema(min_length=3, max_length=64, pattern=grammar.USERID_RE)
AUTHID = StringSchema(min_length=3, max_length=64, pattern=grammar.AUTHID_RE)
NAMESPACE = StringSchema(max_length=256, pattern=grammar.NAMESPACE_RE)
SINGLE_LINE_COMMENT = StringSchema(max_length=128, pattern=grammar.SINGLE_LINE_RE)
PASSWORD_FORMAT_RE = grammar.SINGLE_LINE_RE
REMOTE_PASSWORD = StringSchema(min_length=1, max_length=1024, pattern=PASSWORD_FORMAT_RE)
PBS_PASSWORD = StringSchema(min_length=8, max_length=64, pattern=PASSWORD_FORMAT_RE)
DIGEST = StringSchema(pattern=grammar.SHA256_HEX_RE)
FINGERPRINT = StringSchema(pattern=grammar.FINGERPRINT_RE)
DNS_NAME_OR_IP = StringSchema(pattern=grammar.DNS_NAME_OR_IP_RE)
NODE = StringSchema(pattern=grammar.HOSTNAME_RE)
PORT = IntegerSchema(minimum=0, maximum=65535)
NS_MAX_DEPTH = IntegerSchema(minimum=0, maximum=7, default=7)
NS_MAX_DEPTH_REDUCED = IntegerSchema(minimum=0, maximum=7)
ENABLE_USER = BooleanSchema(default=True)
EXPIRE_USER = IntegerSchema(minimum=0, default=0)
NAME_2_64 = StringSchema(min_length=2, max_length=64, pattern=grammar.SINGLE_LINE_RE)
ACL_PATH = StringSchema(min_length=1, max_length=128, pattern=grammar.ACL_PATH_RE)
ROLE = StringSchema(enum=tuple(grammar.ROLE_PRIVILEGES))
GROUP_ID = SAFE_ID_3_32


def _verify_human_byte(text: str) -> None:
    try:
        grammar.verify_human_byte(text)
    except ValueError as exc:
        raise SchemaViolation(f"byte-size parse error for '{text}': {exc}") from None


def _verify_group_filter(text: str) -> None:
    try:
        grammar.verify_group_filter(text)
    except ValueError as exc:
        raise SchemaViolation(str(exc)) from None


def _verify_calendar_event(text: str) -> None:
    try:
        grammar.verify_calendar_event(text)
    except ValueError as exc:
        raise SchemaViolation(str(exc)) from None


HUMAN_BYTE = StringSchema(min_length=1, max_length=64, verify=_verify_human_byte)
GROUP_FILTER = StringSchema(verify=_verify_group_filter)
CALENDAR_EVENT = StringSchema(verify=_verify_calendar_event)


def digest_property() -> Property:
    return Property(DIGEST)


def delete_property(values: dict[str, tuple[int, int, int] | None]) -> Property:
    """The ``delete`` array of a config PUT: an enum of deletable properties (with their versions)."""
    since = {k: v for k, v in values.items() if v is not None}
    return Property(ArraySchema(StringSchema(enum=tuple(values), enum_since=since)))


# --- remotes -----------------------------------------------------------------------------------
REMOTE_CONFIG = ObjectSchema(
    {
        "comment": Property(SINGLE_LINE_COMMENT),
        "host": Property(DNS_NAME_OR_IP, optional=False),
        "port": Property(PORT),
        "auth-id": Property(AUTHID, optional=False),
        "fingerprint": Property(FINGERPRINT),
        "use-node-proxy": Property(BooleanSchema(default=False), since=(4, 1, 6)),
    }
)
REMOTE_DELETABLE: dict[str, tuple[int, int, int] | None] = {
    "comment": None,
    "fingerprint": None,
    "port": None,
    "use-node-proxy": (4, 1, 6),
}
# The stored section: password (base64) required.
REMOTE_SECTION = REMOTE_CONFIG.extend(
    {"name": Property(REMOTE_ID, optional=False), "password": Property(REMOTE_PASSWORD)}
)

# --- sync jobs ---------------------------------------------------------------------------------
SYNC_JOB_CONFIG = ObjectSchema(
    {
        "id": Property(JOB_ID, optional=False),
        "store": Property(DATASTORE_NAME, optional=False),
        "ns": Property(NAMESPACE, since=(2, 2, 0)),
        "owner": Property(AUTHID),
        "remote": Property(REMOTE_ID),
        "remote-store": Property(DATASTORE_NAME, optional=False),
        "remote-ns": Property(NAMESPACE, since=(2, 2, 0)),
        "remove-vanished": Property(BooleanSchema(default=False)),
        "max-depth": Property(NS_MAX_DEPTH_REDUCED, since=(2, 2, 0)),
        "comment": Property(SINGLE_LINE_COMMENT),
        "schedule": Property(CALENDAR_EVENT),
        "group-filter": Property(ArraySchema(GROUP_FILTER), since=(2, 1, 0)),
        "rate-in": Property(HUMAN_BYTE, since=(2, 1, 1)),
        "burst-in": Property(HUMAN_BYTE, since=(2, 1, 1)),
        "rate-out": Property(HUMAN_BYTE, since=(2, 1, 1)),
        "burst-out": Property(HUMAN_BYTE, since=(2, 1, 1)),
        "transfer-last": Property(IntegerSchema(minimum=1), since=(2, 4, 2)),
        "sync-direction": Property(StringSchema(enum=("pull", "push")), since=(3, 2, 11)),
        "resync-corrupt": Property(BooleanSchema(), since=(3, 2, 12)),
        "encrypted-only": Property(BooleanSchema(), since=(3, 3, 7)),
        "verified-only": Property(BooleanSchema(), since=(3, 3, 7)),
        "run-on-mount": Property(BooleanSchema(), since=(4, 0, 4)),
        "unmount-on-done": Property(BooleanSchema(), since=(4, 0, 20)),
        "worker-threads": Property(IntegerSchema(minimum=1, maximum=32, default=1), since=(4, 1, 8)),
        "active-encryption-key": Property(CRYPT_KEY_ID, since=(4, 1, 9)),
        "associated-key": Property(ArraySchema(CRYPT_KEY_ID), since=(4, 1, 9)),
    }
)
# `remote` became optional (local sync) in 3.0.5; before that it was required.
REMOTE_REQUIRED_BEFORE = (3, 0, 5)
SYNC_DELETABLE: dict[str, tuple[int, int, int] | None] = {
    "remote": (3, 0, 5),
    "owner": None,
    "comment": None,
    "schedule": None,
    "remove-vanished": None,
    "group-filter": (2, 1, 0),
    "rate-in": (2, 1, 1),
    "burst-in": (2, 1, 1),
    "rate-out": (2, 1, 1),
    "burst-out": (2, 1, 1),
    "ns": (2, 2, 0),
    "remote-ns": (2, 2, 0),
    "max-depth": (2, 2, 0),
    "transfer-last": (2, 4, 2),
    "encrypted-only": (3, 3, 7),
    "verified-only": (3, 3, 7),
    "run-on-mount": (4, 0, 4),
    "unmount-on-done": (4, 0, 20),
    "sync-direction": (3, 2, 11),
    "worker-threads": (4, 1, 8),
    "active-encryption-key": (4, 1, 9),
    "associated-key": (4, 1, 9),
}
LIST_SYNC_DIRECTION = StringSchema(
    enum=("all", "push", "pull"), enum_since={"all": (3, 2, 13), "push": (3, 2, 11)}
)
HUMAN_BYTE_FIELDS = ("rate-in", "burst-in", "rate-out", "burst-out")

# --- users and tokens --------------------------------------------------------------------------
USER_CONFIG = ObjectSchema(
    {
        "userid": Property(USERID, optional=False),
        "comment": Property(SINGLE_LINE_COMMENT),
        "enable": Property(ENABLE_USER),
        "expire": Property(EXPIRE_USER),
        "firstname": Property(NAME_2_64),
        "lastname": Property(NAME_2_64),
        "email": Property(NAME_2_64),
    }
)
TOKEN_CONFIG = ObjectSchema(
    {
        "tokenid": Property(AUTHID, optional=False),
        "comment": Property(SINGLE_LINE_COMMENT),
        "enable": Property(ENABLE_USER),
        "expire": Property(EXPIRE_USER),
    }
)

# --- datastores --------------------------------------------------------------------------------
DATASTORE_CONFIG = ObjectSchema(
    {
        "name": Property(DATASTORE_NAME, optional=False),
        "path": Property(StringSchema(), optional=False),
        "comment": Property(SINGLE_LINE_COMMENT),
        "gc-schedule": Property(CALENDAR_EVENT),
        "prune-schedule": Property(CALENDAR_EVENT),
        "verify-new": Property(BooleanSchema()),
    }
)
