"""The PBS grammars the simulator needs, taken from ``pbs_provider.pbs_types`` (one implementation).

This module only adapts the shared grammar modules to the simulator's schema machinery; it must not
grow rules of its own. TEMPORARY: until ``pbs_provider.pbs_types.ids`` lands, the few regexes below are
defined here and will be replaced by imports.
"""

from __future__ import annotations

import re

SAFE_ID = r"(?:[A-Za-z0-9_][A-Za-z0-9._\-]*)"
_CNTRL = r"\x00-\x1f\x7f"
_IPV4_OCTET = r"(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])"
_IPV4 = rf"(?:(?:{_IPV4_OCTET}\.){{3}}{_IPV4_OCTET})"
_H16 = r"(?:[0-9a-fA-F]{1,4})"
_LS32 = rf"(?:(?:{_IPV4}|{_H16}:{_H16}))"
_IPV6 = (
    r"(?:"
    rf"(?:(?:(?:{_H16}:){{6}}){_LS32})|"
    rf"(?:(?:::(?:{_H16}:){{5}}){_LS32})|"
    rf"(?:(?:(?:{_H16})?::(?:{_H16}:){{4}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,3}}{_H16})?::(?:{_H16}:){{1}}){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,4}}{_H16})?::){_LS32})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,5}}{_H16})?::){_H16})|"
    rf"(?:(?:(?:(?:{_H16}:){{0,6}}{_H16})?::)))"
)
_DNS_LABEL = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)"
_DNS_NAME = rf"(?:(?:{_DNS_LABEL}\.)*{_DNS_LABEL})"

SAFE_ID_RE = re.compile(SAFE_ID)
NAMESPACE_RE = re.compile(rf"(?:(?:{SAFE_ID}/){{0,7}}{SAFE_ID})?")
USER_NAME = rf"(?:[^\s:/{_CNTRL}]+)"
USERID_RE = re.compile(rf"{USER_NAME}@{SAFE_ID}")
AUTHID_RE = re.compile(rf"{USER_NAME}@{SAFE_ID}(?:!{SAFE_ID})?")
FINGERPRINT_RE = re.compile(r"(?:[0-9a-fA-F][0-9a-fA-F])(?::[0-9a-fA-F][0-9a-fA-F]){31}")
DNS_NAME_OR_IP_RE = re.compile(rf"(?:{_DNS_NAME}|{_IPV4}|{_IPV6})")
SINGLE_LINE_RE = re.compile(rf"[^{_CNTRL}]*")
HOSTNAME_RE = re.compile(r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)")
SHA256_HEX_RE = re.compile(r"[a-f0-9]{64}")
ACL_PATH_RE = re.compile(rf"(?:/|(?:/{SAFE_ID})+)")

# Privileges in PBS's bit order (pbs-api-types `PRIVILEGES`), and the built-in roles.
PRIVILEGES: tuple[str, ...] = (
    "Sys.Audit",
    "Sys.Modify",
    "Sys.PowerManagement",
    "Datastore.Audit",
    "Datastore.Allocate",
    "Datastore.Modify",
    "Datastore.Read",
    "Datastore.Verify",
    "Datastore.Backup",
    "Datastore.Prune",
    "Permissions.Modify",
    "Remote.Audit",
    "Remote.Modify",
    "Remote.Read",
    "Remote.DatastoreBackup",
    "Remote.DatastoreModify",
    "Remote.DatastorePrune",
    "Sys.Console",
    "Tape.Audit",
    "Tape.Modify",
    "Tape.Write",
    "Tape.Read",
    "Realm.Allocate",
)
ROLE_PRIVILEGES: dict[str, frozenset[str]] = {
    "Admin": frozenset(PRIVILEGES),
    "Audit": frozenset({"Sys.Audit", "Datastore.Audit"}),
    "NoAccess": frozenset(),
    "DatastoreAdmin": frozenset(
        {
            "Datastore.Audit",
            "Datastore.Modify",
            "Datastore.Read",
            "Datastore.Verify",
            "Datastore.Backup",
            "Datastore.Prune",
        }
    ),
    "DatastoreReader": frozenset({"Datastore.Audit", "Datastore.Verify", "Datastore.Read"}),
    "DatastoreBackup": frozenset({"Datastore.Backup"}),
    "DatastorePowerUser": frozenset({"Datastore.Prune", "Datastore.Backup"}),
    "DatastoreAudit": frozenset({"Datastore.Audit"}),
    "RemoteAudit": frozenset({"Remote.Audit"}),
    "RemoteAdmin": frozenset({"Remote.Audit", "Remote.Modify", "Remote.Read"}),
    "RemoteSyncOperator": frozenset({"Remote.Audit", "Remote.Read"}),
    "RemoteSyncPushOperator": frozenset({"Remote.Audit", "Remote.DatastoreBackup"}),
    "RemoteDatastorePowerUser": frozenset(
        {"Remote.Audit", "Remote.DatastoreBackup", "Remote.DatastorePrune"}
    ),
    "RemoteDatastoreAdmin": frozenset(
        {"Remote.Audit", "Remote.DatastoreBackup", "Remote.DatastoreModify", "Remote.DatastorePrune"}
    ),
    "TapeAudit": frozenset({"Tape.Audit"}),
    "TapeAdmin": frozenset({"Tape.Audit", "Tape.Modify", "Tape.Read", "Tape.Write"}),
    "TapeOperator": frozenset({"Tape.Audit", "Tape.Read", "Tape.Write"}),
    "TapeReader": frozenset({"Tape.Audit", "Tape.Read"}),
}


def parse_version(text: str) -> tuple[int, int, int]:
    major, minor, release = (int(part) for part in text.split("."))
    return major, minor, release


# TEMPORARY pass-throughs until pbs_types.human_byte / group_filter / calendar land.
def verify_human_byte(text: str) -> None:
    return None


def normalize_human_byte(text: str) -> str:
    return text


def verify_group_filter(text: str) -> None:
    return None


def normalize_group_filter(text: str) -> str:
    return text[len("include:") :] if text.startswith("include:") else text


def verify_calendar_event(text: str) -> None:
    return None


def next_event(schedule: str, after_epoch: int) -> int | None:
    return None
