"""PBS's privileges and built-in roles (pbs-api-types `acl.rs`): the ROLE -> PRIVILEGES table.

Shared by the simulator (permission checks, `GET /access/roles`), the providers (`AclEntry.role`
validation) and the doctor (explaining missing rights). Role names are case-sensitive.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from .rules import SchemaViolation
from .version import PbsVersion

# All privileges in PBS's declaration order (the `PRIVILEGES` bitmap of pbs-api-types).
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

NO_ACCESS = "NoAccess"


def _privs(*names: str) -> frozenset[str]:
    unknown = set(names) - set(PRIVILEGES)
    assert not unknown, f"unknown privileges {unknown}"
    return frozenset(names)


# Role -> privileges, in the order of PBS's `Role` enum (the order `GET /access/roles` uses).
ROLE_PRIVILEGES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "Admin": frozenset(PRIVILEGES),
        "Audit": _privs("Sys.Audit", "Datastore.Audit"),
        NO_ACCESS: frozenset(),
        "DatastoreAdmin": _privs(
            "Datastore.Audit",
            "Datastore.Modify",
            "Datastore.Read",
            "Datastore.Verify",
            "Datastore.Backup",
            "Datastore.Prune",
        ),
        "DatastoreReader": _privs("Datastore.Audit", "Datastore.Verify", "Datastore.Read"),
        "DatastoreBackup": _privs("Datastore.Backup"),
        "DatastorePowerUser": _privs("Datastore.Prune", "Datastore.Backup"),
        "DatastoreAudit": _privs("Datastore.Audit"),
        "RemoteAudit": _privs("Remote.Audit"),
        "RemoteAdmin": _privs("Remote.Audit", "Remote.Modify", "Remote.Read"),
        "RemoteSyncOperator": _privs("Remote.Audit", "Remote.Read"),
        "RemoteSyncPushOperator": _privs("Remote.Audit", "Remote.DatastoreBackup"),
        "RemoteDatastorePowerUser": _privs("Remote.Audit", "Remote.DatastoreBackup", "Remote.DatastorePrune"),
        "RemoteDatastoreAdmin": _privs(
            "Remote.Audit",
            "Remote.DatastoreBackup",
            "Remote.DatastoreModify",
            "Remote.DatastorePrune",
        ),
        "TapeAudit": _privs("Tape.Audit"),
        "TapeAdmin": _privs("Tape.Audit", "Tape.Modify", "Tape.Read", "Tape.Write"),
        "TapeOperator": _privs("Tape.Audit", "Tape.Read", "Tape.Write"),
        "TapeReader": _privs("Tape.Audit", "Tape.Read"),
    }
)

# The `comment` of each role in `GET /access/roles` (the enum's doc strings).
ROLE_COMMENTS: MappingProxyType[str, str] = MappingProxyType(
    {
        "Admin": "Administrator",
        "Audit": "Auditor",
        NO_ACCESS: "Disable Access",
        "DatastoreAdmin": "Datastore Administrator",
        "DatastoreReader": "Datastore Reader (inspect datastore content and do restores)",
        "DatastoreBackup": "Datastore Backup (backup and restore owned backups)",
        "DatastorePowerUser": "Datastore PowerUser (backup, restore and prune owned backup)",
        "DatastoreAudit": "Datastore Auditor",
        "RemoteAudit": "Remote Auditor",
        "RemoteAdmin": "Remote Administrator",
        "RemoteSyncOperator": "Synchronization Operator",
        "RemoteSyncPushOperator": "Synchronisation Operator (push direction)",
        "RemoteDatastorePowerUser": "Remote Datastore Prune",
        "RemoteDatastoreAdmin": "Remote Datastore Admin",
        "TapeAudit": "Tape Auditor",
        "TapeAdmin": "Tape Administrator",
        "TapeOperator": "Tape Operator",
        "TapeReader": "Tape Reader",
    }
)

# Roles younger than PBS 1.x: the first release that knows them (push support, 3.2.11).
ROLE_SINCE: MappingProxyType[str, PbsVersion] = MappingProxyType(
    {
        "RemoteSyncPushOperator": PbsVersion(3, 2, 11),
        "RemoteDatastorePowerUser": PbsVersion(3, 2, 11),
        "RemoteDatastoreAdmin": PbsVersion(3, 2, 11),
    }
)


def check_role(name: str) -> str:
    """Return `name` if it is a PBS role; else raise with the enum-schema message PBS gives."""
    if name not in ROLE_PRIVILEGES:
        raise SchemaViolation(f"value '{name}' is not defined in the enumeration.")
    return name


def privileges_of(roles: Iterable[str]) -> frozenset[str]:
    """The union of the privileges of `roles` (unknown names raise like `check_role`)."""
    result: frozenset[str] = frozenset()
    for role in roles:
        result |= ROLE_PRIVILEGES[check_role(role)]
    return result
