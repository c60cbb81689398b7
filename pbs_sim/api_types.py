"""PBS's API type schemas (pbs-api-types): the field schemas, bounds and "since" versions.

Every endpoint's input schema is composed from these, so a bound or a version lives in one place.
"""

from __future__ import annotations

from pbs_sim import grammar
from pbs_sim.schema import (
    ArraySchema,
    BooleanSchema,
    IntegerSchema,
    ObjectSchema,
    Property,
    StringSchema,
    TypedParse,
)
from pbs_types import ids
from pbs_types.calendar import SCHEDULE_RULE
from pbs_types.rules import IntegerRule, StringRule

# --- base schemas ------------------------------------------------------------------------------
REMOTE_ID = StringSchema(ids.REMOTE_NAME_RULE)
DATASTORE_NAME = StringSchema(ids.DATASTORE_NAME_RULE)
JOB_ID = StringSchema(ids.JOB_ID_RULE)
CRYPT_KEY_ID = StringSchema(ids.CRYPT_KEY_ID_RULE)
TOKEN_NAME = StringSchema(ids.TOKEN_NAME_RULE)
# `Userid`/`Authid` parameters are parsed after their schema (proxmox-auth-api `types.rs`:
# realm split at the last `@`, realm 2-32, token name split at the last `!`).
USERID = StringSchema(ids.USERID_RULE, typed=TypedParse(ids.parse_userid, "valid user id"))
AUTHID = StringSchema(ids.AUTHID_RULE, typed=TypedParse(ids.parse_authid, "valid user id or token id"))
NAMESPACE = StringSchema(ids.NAMESPACE_RULE)
NAMESPACE_COMPONENT = StringSchema(ids.NAMESPACE_NAME_RULE)
SINGLE_LINE_COMMENT = StringSchema(ids.COMMENT_RULE)
REMOTE_PASSWORD = StringSchema(ids.REMOTE_PASSWORD_RULE)
REMOTE_PASSWORD_BASE64 = StringSchema(ids.REMOTE_PASSWORD_BASE64_RULE)
PBS_PASSWORD = StringSchema(ids.USER_PASSWORD_RULE)
DIGEST = StringSchema(ids.DIGEST_RULE)
FINGERPRINT = StringSchema(ids.FINGERPRINT_RULE)
DNS_NAME_OR_IP = StringSchema(ids.HOST_RULE)
NODE = StringSchema(StringRule("Node name.", pattern=ids.DNS_LABEL_RE))
PORT = IntegerSchema(ids.PORT_RULE)
NS_MAX_DEPTH = IntegerSchema(ids.NS_MAX_DEPTH_RULE, default=7)
NS_MAX_DEPTH_REDUCED = IntegerSchema(ids.NS_MAX_DEPTH_RULE)
ENABLE_USER = BooleanSchema(default=True)
EXPIRE_USER = IntegerSchema(IntegerRule("Account expiration date.", minimum=0), default=0)
FIRST_NAME = StringSchema(ids.FIRST_NAME_RULE)
LAST_NAME = StringSchema(ids.LAST_NAME_RULE)
EMAIL = StringSchema(ids.EMAIL_RULE)
ACL_PATH = StringSchema(ids.ACL_PATH_RULE)
ROLE = StringSchema(
    enum=tuple(grammar.ROLE_PRIVILEGES),
    enum_since={role: (v.major, v.minor, v.release) for role, v in grammar.ROLE_SINCE.items()},
)
GROUP_ID = StringSchema(StringRule("Group ID.", pattern=ids.SAFE_ID_RE, min_length=3, max_length=64))
HUMAN_BYTE = StringSchema(grammar.HUMAN_BYTE_RULE)
GROUP_FILTER = StringSchema(grammar.GROUP_FILTER_RULE)
CALENDAR_EVENT = StringSchema(SCHEDULE_RULE)
TRANSFER_LAST = IntegerSchema(IntegerRule("Limit transfer to last N snapshots.", minimum=1))
WORKER_THREADS = IntegerSchema(IntegerRule("Worker threads.", minimum=1, maximum=32), default=1)
DATASTORE_PATH = StringSchema()


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
    {"name": Property(REMOTE_ID, optional=False), "password": Property(REMOTE_PASSWORD_BASE64)}
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
        "transfer-last": Property(TRANSFER_LAST, since=(2, 4, 2)),
        "sync-direction": Property(StringSchema(enum=("pull", "push")), since=(3, 2, 11)),
        "resync-corrupt": Property(BooleanSchema(), since=(3, 2, 12)),
        "encrypted-only": Property(BooleanSchema(), since=(3, 3, 7)),
        "verified-only": Property(BooleanSchema(), since=(3, 3, 7)),
        "run-on-mount": Property(BooleanSchema(), since=(4, 0, 4)),
        "unmount-on-done": Property(BooleanSchema(), since=(4, 0, 20)),
        "worker-threads": Property(WORKER_THREADS, since=(4, 1, 8)),
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

# --- prune and verify jobs (pbs-api-types src/jobs.rs, src/datastore.rs) -------------------------
PRUNE_JOBS_SINCE = (2, 2, 2)
KEEP_COUNT = IntegerSchema(IntegerRule("Number of backups to keep.", minimum=1))
KEEP_FIELDS = ("keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly")
PRUNE_JOB_CONFIG = ObjectSchema(
    {
        "id": Property(JOB_ID, optional=False),
        "store": Property(DATASTORE_NAME, optional=False),
        "disable": Property(BooleanSchema(default=False)),
        "schedule": Property(CALENDAR_EVENT, optional=False),
        "comment": Property(SINGLE_LINE_COMMENT),
        "ns": Property(NAMESPACE),
        "max-depth": Property(NS_MAX_DEPTH_REDUCED),
        **{name: Property(KEEP_COUNT) for name in KEEP_FIELDS},
    }
)
PRUNE_DELETABLE: dict[str, tuple[int, int, int] | None] = dict.fromkeys(
    ("comment", "disable", "ns", "max-depth", *KEEP_FIELDS)
)
VERIFY_THREADS_SINCE = (4, 0, 20)
VERIFY_JOB_CONFIG = ObjectSchema(
    {
        "id": Property(JOB_ID, optional=False),
        "store": Property(DATASTORE_NAME, optional=False),
        "ignore-verified": Property(BooleanSchema(default=True)),
        "outdated-after": Property(
            IntegerSchema(IntegerRule("Days after that a verification becomes outdated.", minimum=0))
        ),
        "comment": Property(SINGLE_LINE_COMMENT),
        "schedule": Property(CALENDAR_EVENT),
        "ns": Property(NAMESPACE, since=(2, 2, 0)),
        # verify jobs use the plain `NS_MAX_DEPTH_SCHEMA` (default 7), prune jobs the reduced one
        "max-depth": Property(NS_MAX_DEPTH, since=(2, 2, 0)),
        "read-threads": Property(
            IntegerSchema(IntegerRule("Read threads.", minimum=1, maximum=32), default=1),
            since=VERIFY_THREADS_SINCE,
        ),
        "verify-threads": Property(
            IntegerSchema(IntegerRule("Verify threads.", minimum=1, maximum=32), default=4),
            since=VERIFY_THREADS_SINCE,
        ),
    }
)
VERIFY_DELETABLE: dict[str, tuple[int, int, int] | None] = {
    "ignore-verified": None,
    "outdated-after": None,
    "comment": None,
    "schedule": None,
    "ns": (2, 2, 0),
    "max-depth": (2, 2, 0),
    "read-threads": VERIFY_THREADS_SINCE,
    "verify-threads": VERIFY_THREADS_SINCE,
}

# --- users and tokens --------------------------------------------------------------------------
USER_CONFIG = ObjectSchema(
    {
        "userid": Property(USERID, optional=False),
        "comment": Property(SINGLE_LINE_COMMENT),
        "enable": Property(ENABLE_USER),
        "expire": Property(EXPIRE_USER),
        "firstname": Property(FIRST_NAME),
        "lastname": Property(LAST_NAME),
        "email": Property(EMAIL),
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
        "path": Property(DATASTORE_PATH, optional=False),
        "comment": Property(SINGLE_LINE_COMMENT),
        "gc-schedule": Property(CALENDAR_EVENT),
        "prune-schedule": Property(CALENDAR_EVENT),
        "verify-new": Property(BooleanSchema()),
    }
)
