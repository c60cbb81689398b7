"""Typed, unknown-safe views of the PBS resources a policy sees (type tokens and their inputs).

During `pulumi preview` an input that depends on another resource's output can be unknown; the
policy SDK then raises `UnknownValueError` on access. `read_prop` turns that into the `UNKNOWN`
marker so a rule can decide per field (an unknown fingerprint is "set", an unknown remote is
"cannot judge") instead of losing the whole stack validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, Protocol

from pulumi_policy.proxy import UnknownValueError

TYPE_PREFIX: Final = "pulumi-python:dynamic/pbs:"
REMOTE_TYPE: Final = TYPE_PREFIX + "Remote"
SYNC_JOB_TYPE: Final = TYPE_PREFIX + "SyncJob"
USER_TYPE: Final = TYPE_PREFIX + "User"
API_TOKEN_TYPE: Final = TYPE_PREFIX + "ApiToken"
ACL_ENTRY_TYPE: Final = TYPE_PREFIX + "AclEntry"
NAMESPACE_TYPE: Final = TYPE_PREFIX + "Namespace"
PRUNE_JOB_TYPE: Final = TYPE_PREFIX + "PruneJob"
VERIFY_JOB_TYPE: Final = TYPE_PREFIX + "VerifyJob"
REPLICATION_TYPE: Final = "pbs:index:Replication"

STACK_KEYS: Final = {
    SYNC_JOB_TYPE: "syncJobs",
    REMOTE_TYPE: "remotes",
    API_TOKEN_TYPE: "tokens",
    USER_TYPE: "users",
    PRUNE_JOB_TYPE: "pruneJobs",
    VERIFY_JOB_TYPE: "verifyJobs",
}
"""The stack-config map whose keys name these resources (the program names each resource by its key)."""
REPLICATION_CHILDREN: Final = {
    SYNC_JOB_TYPE: "-job",
    REMOTE_TYPE: "-remote",
    API_TOKEN_TYPE: "-token",
    USER_TYPE: "-user",
    NAMESPACE_TYPE: "-namespace",
}
"""How a `Replication` component names its children: `<replication key><suffix>`."""
REPLICATION_FIELDS: Final = {
    (API_TOKEN_TYPE, "expire"): "tokenExpire",
    (REMOTE_TYPE, "fingerprint"): "remoteFingerprint",
}
"""Child fields a replication sets from a key of its own (a job's fields are the replication's keys)."""


def config_key(urn: str, field: str) -> str:
    """The stack-config key a user sets to change `field` of the resource `urn`: for a child of a
    `replications` entry the entry's own key (`replications.offsite.tokenExpire`), not the child's
    field the user never wrote; otherwise `<map>.<resource name>.<field>` (`tokens.<key>.expire`)."""
    parts = urn.split("::")
    if len(parts) < 4:
        return field
    qualified, name = parts[-2], parts[-1]
    *parents, resource_type = qualified.split("$")
    suffix = REPLICATION_CHILDREN.get(resource_type)
    if REPLICATION_TYPE in parents and suffix and name.endswith(suffix):
        own = REPLICATION_FIELDS.get((resource_type, field), field)
        return f"replications.{name.removesuffix(suffix)}.{own}"
    return f"{STACK_KEYS.get(resource_type, resource_type.rsplit(':', 1)[-1])}.{name}.{field}"


def config_entry(urn: str) -> str:
    """The stack-config entry that declares the resource `urn`: `replications.<key>` for a child of a
    `replications` entry, else `<map>.<resource name>` (`syncJobs.push-cloud`)."""
    return config_key(urn, "-").rpartition(".")[0]


class _Unknown(Enum):
    """A value that is not known during preview (it depends on another resource's output)."""

    UNKNOWN = "unknown"


UNKNOWN: Final = _Unknown.UNKNOWN
Maybe = Any  # a property value, None when absent, or UNKNOWN


def read_prop(props: Mapping[str, Any], key: str) -> Maybe:
    """The input `key`: its value, None when absent, or UNKNOWN when not known during preview."""
    try:
        return props.get(key)
    except UnknownValueError:
        return UNKNOWN


def is_set(value: Maybe) -> bool:
    """True for a value that is present: UNKNOWN counts as set (the engine will fill it in)."""
    if value is UNKNOWN:
        return True
    if value is None:
        return False
    return not (isinstance(value, str) and value.strip() == "")


def known_str(value: Maybe) -> str | None:
    """The value as a non-empty string, or None when absent, empty, unknown or not a string."""
    if isinstance(value, str) and value.strip():
        return value
    return None


@dataclass(frozen=True)
class SyncJobView:
    """The inputs of a `SyncJob` that the rules look at."""

    urn: str
    server: str | None
    job_id: str
    direction: Maybe  # "push" | "pull" | UNKNOWN (absent means pull, as in PBS)
    remote: Maybe
    remove_vanished: Maybe
    schedule: Maybe
    run_on_mount: Maybe
    rate_in: Maybe
    rate_out: Maybe
    store: Maybe = None
    ns: Maybe = None
    remote_store: Maybe = None
    remote_ns: Maybe = None

    @classmethod
    def from_props(cls, urn: str, name: str, props: Mapping[str, Any]) -> SyncJobView:
        direction = read_prop(props, "syncDirection")
        return cls(
            urn=urn,
            server=known_str(read_prop(props, "server")),
            job_id=known_str(read_prop(props, "jobId")) or name,
            direction="pull" if direction is None else direction,
            remote=read_prop(props, "remote"),
            remove_vanished=read_prop(props, "removeVanished"),
            schedule=read_prop(props, "schedule"),
            run_on_mount=read_prop(props, "runOnMount"),
            rate_in=read_prop(props, "rateIn"),
            rate_out=read_prop(props, "rateOut"),
            store=read_prop(props, "store"),
            ns=read_prop(props, "ns"),
            remote_store=read_prop(props, "remoteStore"),
            remote_ns=read_prop(props, "remoteNs"),
        )

    @property
    def is_push(self) -> bool:
        return self.direction == "push"

    @property
    def label(self) -> str:
        """How messages name the job: `server/jobId`."""
        return f"{self.server or '?'}/{self.job_id}"


@dataclass(frozen=True)
class RemoteView:
    """The inputs of a `Remote` that the rules look at."""

    urn: str
    server: str | None
    name: str
    host: str | None
    port: Maybe
    auth_id: Maybe
    fingerprint: Maybe

    @classmethod
    def from_props(cls, urn: str, name: str, props: Mapping[str, Any]) -> RemoteView:
        return cls(
            urn=urn,
            server=known_str(read_prop(props, "server")),
            name=known_str(read_prop(props, "name")) or name,
            host=known_str(read_prop(props, "host")),
            port=read_prop(props, "port"),
            auth_id=read_prop(props, "authId"),
            fingerprint=read_prop(props, "fingerprint"),
        )

    @property
    def key(self) -> tuple[str | None, str]:
        """Identity of the remote on its PBS: (server, remote name)."""
        return (self.server, self.name)

    @property
    def label(self) -> str:
        return f"{self.server or '?'}/{self.name}"


@dataclass(frozen=True)
class ApiTokenView:
    """The inputs of an `ApiToken` that the rules look at."""

    urn: str
    server: str | None
    token_id: str
    expire: Maybe

    @classmethod
    def from_props(cls, urn: str, name: str, props: Mapping[str, Any]) -> ApiTokenView:
        userid = known_str(read_prop(props, "userid"))
        token_name = known_str(read_prop(props, "tokenName"))
        token_id = f"{userid}!{token_name}" if userid and token_name else name
        return cls(
            urn=urn,
            server=known_str(read_prop(props, "server")),
            token_id=token_id,
            expire=read_prop(props, "expire"),
        )


class ResourceLike(Protocol):
    """What the views are built from: a `PolicyResource` of a stack validation (or anything alike)."""

    resource_type: str
    urn: str
    name: str
    props: Mapping[str, Any]


def sync_jobs(resources: Sequence[ResourceLike]) -> list[SyncJobView]:
    """Views of every `SyncJob` among `resources` (PolicyResource objects of a stack validation)."""
    return [
        SyncJobView.from_props(r.urn, r.name, r.props) for r in resources if r.resource_type == SYNC_JOB_TYPE
    ]


def remotes(resources: Sequence[ResourceLike]) -> list[RemoteView]:
    """Views of every `Remote` among `resources`."""
    return [
        RemoteView.from_props(r.urn, r.name, r.props) for r in resources if r.resource_type == REMOTE_TYPE
    ]


def remotes_by_key(resources: Sequence[ResourceLike]) -> dict[tuple[str | None, str], RemoteView]:
    """Every `Remote` among `resources`, keyed by (server, remote name) as a sync job refers to it."""
    return {view.key: view for view in remotes(resources)}
