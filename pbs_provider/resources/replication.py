"""`Replication`: one declaration of a push or pull replication, expanded into the PBS resources
it needs on both servers — a Pulumi `ComponentResource` that composes `User`, `ApiToken`,
`AclEntry`, `Namespace`, `Remote`, `SyncJob` and, when asked for, `PruneJob` and `VerifyJob`; it adds
no provider of its own.

For `direction: push` (PBS's `docs/managing-remotes.rst`), on the **target**: a dedicated remote user (or an
existing one), an API token, ACL entries on the target datastore/namespace for **both** user and
token (a token's privileges are intersected with its user's) — `DatastoreBackup`, or
`DatastorePowerUser` with `removeVanished`, or `DatastoreAdmin` (Datastore.Modify) when the job
must create namespaces below the anchor (`createNamespaces`) — and the target namespace; on the
**source**: a remote pointing at the target with the token as credentials and the push job.
`direction: pull` is the mirror image: user, token and `DatastoreReader` on the source; the
namespace, remote and pull job on the target.

`retention` (keep options) and `verify` add a prune job and a verify job **on the target** datastore and
namespace (push: the remote server; pull: the job's own server), after the target namespace. Their job
id is the sync job's id unless given (PBS keeps sync, prune and verify jobs in separate files, so the
ids cannot collide); the schedule defaults to what PBS's GUI proposes for a new job (`hourly` for a prune
job, `www/window/PruneJobEdit.js`; `daily` for a verify job, `www/window/VerifyJobEdit.js`).

`plan_replication()` is the pure expansion (inputs of every child, no Pulumi); the stack config
validates it with each child's schema before anything is registered, and the component
registers it. PBS's advice "one dedicated remote and remote user per push job" holds by
construction for the remote; a second replication with the same remote user on the same server is
refused (for pull too: a replication owns its user and the user's ACL entries).

Removing a replication (its entry, or `pulumi destroy`) deletes the jobs, the remote, the ACL entries,
the token and the user, and never the replicated backups: the target namespace is registered with
Pulumi's `retainOnDelete`, so it is dropped from the state and left in place with its backups (the
CLI shows the step as `delete[retain]`). `deleteEmptyNamespace: true` deletes it instead when it is
empty and still keeps it when it holds backups (`Namespace.keepIfNotEmpty`). The token can expire
(`tokenExpire`, or `tokenLifetimeDays` counted from a `regenerate` date, so one edit rolls both).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from pbs_provider.schemas.api_token import token_id
from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.messages import describe_error, did_you_mean
from pbs_provider.schemas.prune_job import PruneJobSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_provider.schemas.types import (
    DatastoreName,
    Expire,
    Fingerprint,
    Host,
    JobId,
    Namespace,
    Port,
    RemoteName,
    TokenName,
    Trigger,
    Userid,
)
from pbs_provider.schemas.verify_job import VerifyJobSchema
from pbs_types.ids import ROOT_USERID

from .acl_entry import AclEntry
from .api_token import ApiToken
from .namespace import Namespace as NamespaceResource
from .prune_job import PruneJob
from .remote import Remote
from .sync_job import SyncJob
from .user import User
from .verify_job import VerifyJob

COMPONENT_TYPE = "pbs:index:Replication"
DEFAULT_TOKEN_NAME = "sync"
PUSH_ROLE, PUSH_PRUNE_ROLE, PUSH_NAMESPACES_ROLE = "DatastoreBackup", "DatastorePowerUser", "DatastoreAdmin"
PULL_ROLE = "DatastoreReader"
DAY_SECONDS = 86_400
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

WIRED_JOB_INPUTS = frozenset(
    {"server", "jobId", "store", "ns", "remote", "remoteStore", "remoteNs", "syncDirection", "adopt"}
)
"""SyncJob inputs the replication sets itself; every other SyncJob input is a replication option."""
JOB_OPTIONS = tuple(s.input_name for s in SyncJobSchema.input_specs() if s.input_name not in WIRED_JOB_INPUTS)

WIRED_TARGET_JOB_INPUTS = frozenset({"server", "store", "ns", "adopt"})
"""PruneJob/VerifyJob inputs the replication sets itself (the target); the others are `retention`/`verify`."""


def _target_job_options(schema: type[PbsObject]) -> tuple[str, ...]:
    return tuple(s.input_name for s in schema.input_specs() if s.input_name not in WIRED_TARGET_JOB_INPUTS)


RETENTION_OPTIONS = _target_job_options(PruneJobSchema)
"""The keys of `retention`: PruneJob inputs (`keepLast`, …, `schedule`, `maxDepth`, `comment`, …)."""
VERIFY_OPTIONS = _target_job_options(VerifyJobSchema)
"""The keys of `verify`: VerifyJob inputs (`schedule`, `outdatedAfter`, `ignoreVerified`, `maxDepth`, …)."""
KEEP_OPTIONS = tuple(o for o in RETENTION_OPTIONS if o.startswith("keep"))
DEFAULT_PRUNE_SCHEDULE = "hourly"
"""What PBS's GUI proposes for a new prune job (`www/window/PruneJobEdit.js`); PBS's API requires one."""
DEFAULT_VERIFY_SCHEDULE = "daily"
"""What PBS's GUI proposes for a new verify job (`www/window/VerifyJobEdit.js`)."""
TARGET_JOBS: dict[str, tuple[str, tuple[str, ...], str]] = {
    # key -> (noun, options, default schedule)
    "retention": ("prune job", RETENTION_OPTIONS, DEFAULT_PRUNE_SCHEDULE),
    "verify": ("verify job", VERIFY_OPTIONS, DEFAULT_VERIFY_SCHEDULE),
}


class InvalidReplication(ValueError):
    """A replication declaration cannot be expanded; `.problems` has one `path: message` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid replication:\n" + "\n".join(f"  - {p}" for p in problems))


class ReplicationSide(BaseModel):
    """One end of a replication: a datastore (and namespace anchor) on a server of the stack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str = Field(min_length=1, description="Server name (a key of the stack config's `servers`).")
    store: DatastoreName = Field(description="Datastore on that server.")
    ns: Namespace | None = Field(default=None, description='Namespace anchor; unset or `""` = the root.')

    @property
    def acl_path(self) -> str:
        return f"/datastore/{self.store}" + (f"/{self.ns}" if self.ns else "")


class ReplicationArgs(BaseModel):
    """The declaration (stack config `replications.<name>`, camelCase keys; snake_case in Python).

    Any other key is a `SyncJob` input passed to the job (`schedule`, `removeVanished`,
    `rateOut`, `groupFilter`, `maxDepth`, `transferLast`, `comment`, …; see `JOB_OPTIONS`).
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)

    direction: Literal["push", "pull"] = Field(
        description="`push` (job on the source) or `pull` (job on the target)."
    )
    source: ReplicationSide = Field(description="Where the backups are: `{server, store, ns?}`.")
    target: ReplicationSide = Field(description="Where they are copied to: `{server, store, ns?}`.")
    user: Userid | None = Field(
        default=None,
        description="Remote user on the other server (push: target, pull: source); default `<name>@pbs`. "
        "Use one dedicated user per push replication.",
    )
    create_user: bool = Field(
        default=True, description="`false`: the user exists already (not managed here)."
    )
    token_name: TokenName = Field(default=DEFAULT_TOKEN_NAME, description="Name of the user's API token.")
    regenerate: Trigger | None = Field(
        default=None,
        description="Change it to rotate the token secret (a counter, or the rotation's date "
        "`YYYY-MM-DD`, which `tokenLifetimeDays` counts from).",
    )
    token_expire: Expire | None = Field(
        default=None,
        description="When the token expires (Unix time, as the token's `expire`); unset = never.",
    )
    token_lifetime_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="The token expires this many days after the `regenerate` date (00:00 UTC), so "
        "changing `regenerate` to today's date rotates the secret and moves the expiry in one edit.",
    )
    job_id: JobId | None = Field(default=None, description="Sync job id; default: the replication's name.")
    remote_name: RemoteName | None = Field(
        default=None, description="Remote name; default: the replication's name."
    )
    remote_host: Host | None = Field(
        default=None,
        description="Host the job's server reaches the other server at; default: from its `url`.",
    )
    remote_port: Port | None = Field(
        default=None, description="Port of the other server; default: from its `url`."
    )
    remote_fingerprint: Fingerprint | None = Field(
        default=None,
        description="Certificate fingerprint to pin; default: read from the other server when its "
        "certificate is self-signed, none when it is CA-signed.",
    )
    create_namespaces: bool = Field(
        default=False,
        description="Push only: the job may create (and with `removeVanished` remove) namespaces below "
        "the target anchor, which needs Datastore.Modify there (`DatastoreAdmin` instead of "
        "`DatastoreBackup`/`DatastorePowerUser`).",
    )
    delete_empty_namespace: bool = Field(
        default=False,
        description="When the replication is removed, delete the target namespace too if it holds no "
        "backups (default: keep it, with its backups, as Pulumi's `retainOnDelete`). A namespace that "
        "holds backups is always kept; delete backups only on purpose (`namespaces` with `deleteGroups`).",
    )
    retention: dict[str, Any] | None = Field(
        default=None,
        description="A prune job on the target datastore/namespace: keep options as the `PruneJob` resource "
        f"names them ({', '.join(f'`{o}`' for o in KEEP_OPTIONS)}; at least one), and optionally "
        f"`schedule` (default `{DEFAULT_PRUNE_SCHEDULE}`), `maxDepth`, `comment`, `disable`, `jobId` "
        "(default: the sync job's id).",
    )
    verify: dict[str, Any] | None = Field(
        default=None,
        description="A verify job on the target datastore/namespace: `true`, or `VerifyJob` options "
        f"(`schedule`, default `{DEFAULT_VERIFY_SCHEDULE}`; `ignoreVerified`, `outdatedAfter`, `maxDepth`, "
        "`readThreads`, `verifyThreads`, `comment`, `jobId`, default: the sync job's id).",
    )
    adopt: bool = Field(default=False, description="Adopt objects that already exist (every child resource).")

    @field_validator("retention", mode="before")
    @classmethod
    def _retention_is_keep_options(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(
                "give the keep options as a map (e.g. `{keepLast: 3, keepDaily: 7}`): there is no default "
                "retention"
            )
        return _known_options(value, "retention")

    @field_validator("verify", mode="before")
    @classmethod
    def _verify_options(cls, value: Any) -> Any:
        if value is True:
            return {}
        if value is False:
            return None
        return _known_options(value, "verify")

    @model_validator(mode="after")
    def _options_are_job_inputs(self) -> ReplicationArgs:
        unknown = sorted(set(self.job_options()) - set(JOB_OPTIONS))
        if unknown:
            raise ValueError(
                f"{', '.join(f'`{k}`' for k in unknown)}: not an option of a replication (its own keys: "
                f"{', '.join(sorted(to_camel(n) for n in type(self).model_fields))}; sync job options: "
                f"{', '.join(JOB_OPTIONS)})"
            )
        return self

    def token_expiry(self) -> int | None:
        """The token's `expire`: `tokenExpire`, or the `regenerate` date plus `tokenLifetimeDays`
        (None when neither applies; `plan_problems` reports a lifetime without a date)."""
        if self.token_expire is not None:
            return int(self.token_expire)
        start = rotation_date(self.regenerate)
        if self.token_lifetime_days is None or start is None:
            return None
        midnight = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
        return int(midnight.timestamp()) + self.token_lifetime_days * DAY_SECONDS

    def target_job_options(self, key: str) -> dict[str, Any] | None:
        """The PruneJob (`retention`) or VerifyJob (`verify`) inputs the declaration sets, or None."""
        given = getattr(self, key)
        return None if given is None else {k: v for k, v in given.items() if v is not None}

    def job_options(self) -> dict[str, Any]:
        """The SyncJob inputs given as extra keys (camelCase)."""
        return {to_camel(k): v for k, v in (self.model_extra or {}).items() if v is not None}

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | ReplicationArgs, path: str = "replication") -> ReplicationArgs:
        """Validated args; raises `InvalidReplication` naming each key path and rule."""
        if isinstance(raw, ReplicationArgs):
            return raw
        known = {to_camel(n) for n in cls.model_fields} | set(JOB_OPTIONS)
        problems = [
            f"{path}.{key}: not an option of a replication{did_you_mean(to_camel(key), known)} (own keys: "
            f"{', '.join(sorted(to_camel(n) for n in cls.model_fields))}; or any sync job option: "
            f"{', '.join(JOB_OPTIONS)})"
            for key in raw
            if to_camel(key) not in known
        ]
        valid = {k: v for k, v in raw.items() if to_camel(k) in known}
        for key in TARGET_JOBS:
            if isinstance(valid.get(key), Mapping):
                problems += [f"{path}.{key}.{p}" for p in _unknown_options(valid[key], key)]
                valid[key] = {k: v for k, v in valid[key].items() if k in TARGET_JOBS[key][1]}
        try:
            args = cls.model_validate(valid)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                where = ".".join(to_camel(p) if isinstance(p, str) else str(p) for p in detail["loc"])
                prefix = f"{path}.{where}" if where else path
                problems.append(f"{prefix}: {describe_error(detail, secret=False)}")
            raise InvalidReplication(problems) from None
        if problems:
            raise InvalidReplication(problems)
        return args


def _unknown_options(given: Mapping[str, Any], key: str) -> list[str]:
    """`<option>: not an option of …` for each key of `retention`/`verify` that is not one."""
    noun, options, *_ = TARGET_JOBS[key]
    return [
        f"{option}: not an option of `{key}`{did_you_mean(str(option), options)} (the {noun} options: "
        f"{', '.join(options)})"
        for option in given
        if option not in options
    ]


def _known_options(value: Any, key: str) -> Any:
    """`value` unchanged, or a ValueError naming the first key that is not a `retention`/`verify` option."""
    if isinstance(value, Mapping):
        unknown = _unknown_options(value, key)
        if unknown:
            raise ValueError(unknown[0])
    return value


def rotation_date(trigger: str | None) -> dt.date | None:
    """The date a `regenerate` value names (`YYYY-MM-DD`), or None."""
    if trigger is None or not ISO_DATE.match(trigger):
        return None
    try:
        return dt.date.fromisoformat(trigger)
    except ValueError:
        return None


@dataclass(frozen=True)
class ReplicationPlan:
    """The child resources of one replication, as plain inputs (no Pulumi values)."""

    name: str
    direction: str
    access_server: str
    """Where the remote user, its token and their ACL entries live (push: target; pull: source)."""
    job_server: str
    """Where the remote and the job live (push: source; pull: target)."""
    userid: str
    user: dict[str, Any] | None
    """User inputs, or None when the user exists already."""
    token: dict[str, Any]
    acls: list[dict[str, Any]]
    """AclEntry inputs: the user's first, then the token's."""
    namespace: dict[str, Any] | None
    """The target namespace's inputs (None when the target is the root namespace)."""
    keep_namespace: bool
    """Register the namespace with `retainOnDelete` (removal leaves it and its backups in place)."""
    remote: dict[str, Any]
    """Remote inputs without `authId`/`password` (they come from the token)."""
    job: dict[str, Any]
    """SyncJob inputs; `remote` is the remote's name."""
    options: tuple[str, ...] = field(default=())
    """The job options the declaration set (for messages that point at them)."""
    prune_job_inputs: dict[str, Any] | None = None
    """PruneJob inputs (`server`, `store`, `ns`, `jobId`, `schedule`, keep options, …) on the target, when
    the declaration has `retention`; None otherwise."""
    verify_job_inputs: dict[str, Any] | None = None
    """VerifyJob inputs on the target, when the declaration has `verify`; None otherwise."""

    @property
    def token_id(self) -> str:
        return token_id(self.userid, self.token["tokenName"])

    @property
    def role(self) -> str:
        return str(self.acls[0]["role"])


def plan_replication(name: str, args: ReplicationArgs) -> ReplicationPlan:
    """Expand a declaration into the inputs of its child resources (see the module docstring)."""
    push = args.direction == "push"
    local, other = (args.source, args.target) if push else (args.target, args.source)
    userid = args.user or f"{name}@pbs"
    options = args.job_options()
    if push:
        role = (
            PUSH_NAMESPACES_ROLE
            if args.create_namespaces
            else PUSH_PRUNE_ROLE
            if options.get("removeVanished")
            else PUSH_ROLE
        )
    else:
        role = PULL_ROLE
    adopt = {"adopt": True} if args.adopt else {}
    about = f"replication {name} ({args.direction} {args.source.server} -> {args.target.server})"
    user = {"server": other.server, "userid": userid, "comment": f"remote user of {about}", **adopt}
    token = {
        "server": other.server,
        "userid": userid,
        "tokenName": args.token_name,
        "comment": f"used by remote {args.remote_name or name} on {local.server}",
        **({"regenerate": args.regenerate} if args.regenerate is not None else {}),
        **({"expire": expire} if (expire := args.token_expiry()) is not None else {}),
        **adopt,
    }
    acl_path = other.acl_path
    acls = [
        {"server": other.server, "path": acl_path, "authId": auth_id, "role": role, **adopt}
        for auth_id in (userid, token_id(userid, args.token_name))
    ]
    empty_only = {"keepIfNotEmpty": True} if args.delete_empty_namespace else {}
    namespace = (
        {"server": args.target.server, "store": args.target.store, "ns": args.target.ns} | empty_only | adopt
        if args.target.ns
        else None
    )
    remote = {
        "server": local.server,
        "name": args.remote_name or name,
        "host": args.remote_host,
        "port": args.remote_port,
        "fingerprint": args.remote_fingerprint,
        "comment": f"{other.server}, for {about}",
        **adopt,
    }
    job = {
        "server": local.server,
        "jobId": args.job_id or name,
        "store": local.store,
        "ns": local.ns,
        "remote": remote["name"],
        "remoteStore": other.store,
        "remoteNs": other.ns,
        **({"syncDirection": "push"} if push else {}),  # pull is PBS's default (and all old PBS know)
        **options,
        **adopt,
    }
    target_jobs = {
        key: _target_job(args, key, job["jobId"], adopt)
        for key in TARGET_JOBS
        if args.target_job_options(key) is not None
    }
    return ReplicationPlan(
        name=name,
        direction=args.direction,
        access_server=other.server,
        job_server=local.server,
        userid=userid,
        user=user if args.create_user else None,
        token=token,
        acls=acls,
        namespace=namespace,
        keep_namespace=not args.delete_empty_namespace,
        remote={k: v for k, v in remote.items() if v is not None},
        job={k: v for k, v in job.items() if v is not None},
        options=tuple(options),
        prune_job_inputs=target_jobs.get("retention"),
        verify_job_inputs=target_jobs.get("verify"),
    )


def _target_job(args: ReplicationArgs, key: str, job_id: str, adopt: dict[str, Any]) -> dict[str, Any]:
    """The PruneJob (`retention`) or VerifyJob (`verify`) inputs: on the target datastore and namespace,
    with the sync job's id and the GUI's schedule unless given."""
    schedule = TARGET_JOBS[key][2]
    inputs = {
        "server": args.target.server,
        "jobId": job_id,
        "store": args.target.store,
        "ns": args.target.ns or None,
        "schedule": schedule,
        **(args.target_job_options(key) or {}),
        **adopt,
    }
    return {k: v for k, v in inputs.items() if v is not None}


def plan_problems(plan: ReplicationPlan, args: ReplicationArgs, path: str) -> list[str]:
    """Rules of the shorthand itself (each child's own rules are checked by its schema)."""
    problems = []
    if plan.userid == ROOT_USERID:
        problems.append(f"{path}.user: `{ROOT_USERID}` cannot be a remote user: use a dedicated user")
    if args.direction == "pull" and args.create_namespaces:
        problems.append(
            f"{path}.createNamespaces: only for push (a pull job creates namespaces on its own server as "
            "its owner)"
        )
    if args.source.server == args.target.server:
        problems.append(
            f"{path}.target.server: source and target are both `{args.source.server}`: a replication "
            "connects two servers (use a `syncJobs` entry without `remote` for a local sync)"
        )
    if args.token_lifetime_days is not None:
        if args.token_expire is not None:
            problems.append(
                f"{path}.tokenLifetimeDays: set either `tokenExpire` or `tokenLifetimeDays`, not both"
            )
        elif rotation_date(args.regenerate) is None:
            problems.append(
                f"{path}.regenerate: must be the rotation's date (YYYY-MM-DD, e.g. "
                f"`{dt.datetime.now(dt.UTC).date().isoformat()}`) when `tokenLifetimeDays` is set: the "
                f"expiry is counted from it (got {args.regenerate!r})"
            )
    if args.delete_empty_namespace and not args.target.ns:
        problems.append(
            f"{path}.deleteEmptyNamespace: the target is the datastore's root namespace, which the "
            "replication does not create or delete (set `target.ns`, or drop this option)"
        )
    if plan.prune_job_inputs is not None and not any(k in plan.prune_job_inputs for k in KEEP_OPTIONS):
        problems.append(
            f"{path}.retention: sets no keep option: a prune job without one keeps every snapshot; set at "
            f"least one of {', '.join(KEEP_OPTIONS)} (or remove `retention`)"
        )
    if plan.remote.get("host") is None:
        problems.append(
            f"{path}.remoteHost: is required (the other server's host as the job's server reaches it)"
        )
    return problems


def kept_on_removal(plan: ReplicationPlan, namespace_managed_elsewhere: bool = False) -> str:
    """What removing the replication leaves on PBS, and how to delete it on purpose (a stack output: the
    CLI prints a removed or changed output in the update that removes or changes the replication)."""
    pull = plan.direction == "pull"
    server = plan.job_server if pull else plan.access_server
    store = plan.job["store"] if pull else plan.job["remoteStore"]
    ns = plan.namespace["ns"] if plan.namespace else None
    if ns is None:
        return f"the replicated backups in datastore {store} on server {server} (root namespace)"
    where = f"namespace {store}:{ns} on server {server}"
    if namespace_managed_elsewhere:
        return f"the replicated backups in {where} (the namespace is managed by its `namespaces` item)"
    how = (
        f"to delete them on purpose, add `{{server: {server}, store: {store}, ns: {ns}, adopt: true, "
        "deleteGroups: true}` to `namespaces`, run `pulumi up`, then remove it and run `pulumi up`"
    )
    if plan.keep_namespace:
        return f"{where} and its backups; {how}"
    return f"{where} with its backups if it holds any (it is deleted when empty); {how}"


def shared_user_reason(plan: ReplicationPlan, holder: str) -> str:
    """Why `plan` may not use the remote user that replication `holder` already uses."""
    where = f"`{plan.userid}` on server `{plan.access_server}`"
    if plan.direction == "push":
        return (
            f"{where} is already the remote user of replication `{holder}`: PBS advises one dedicated "
            "remote user per push job (a push job treats every group its remote user owns as its own, so "
            "one job's `removeVanished` would prune the other's backups)"
        )
    return (
        f"{where} is already the remote user of replication `{holder}`: each replication owns its remote "
        "user and that user's ACL entries (give this one its own `user`)"
    )


class Replication(pulumi.ComponentResource):
    """A push or pull replication between two servers of the stack (see the module docstring).

    `Replication(name, {"direction": "push", "source": {...}, "target": {...}, "remoteHost": ...,
    "schedule": "hourly"})`. Pass `user=`/`namespace=` to use a `User`/`Namespace` managed
    elsewhere in the program instead of creating one. Outputs: `job_id`, `remote_name`, `token_id`;
    the children are attributes (`user`, `token`, `acls`, `namespace`, `remote`, `job`, and `prune_job` /
    `verify_job`, None without `retention` / `verify`).
    """

    _remote_users: ClassVar[dict[tuple[str, str], str]] = {}
    """(server, userid) of every replication's remote user in this program: one replication each."""

    job_id: pulumi.Output[str]
    remote_name: pulumi.Output[str]
    token_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: ReplicationArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        user: User | None = None,
        namespace: NamespaceResource | None = None,
    ) -> None:
        parsed = ReplicationArgs.parse(args, f"replication {name}")
        plan = plan_replication(name, parsed)
        problems = plan_problems(plan, parsed, f"replication {name}")
        if problems:
            raise InvalidReplication(problems)
        self._claim_remote_user(plan)
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        if user is not None:
            self.user: User | None = user
            userid: pulumi.Input[str] = user.userid  # type: ignore[attr-defined]
        elif plan.user is not None:
            self.user = User(f"{name}-user", child, **plan.user)
            userid = self.user.userid  # type: ignore[attr-defined]
        else:
            self.user, userid = None, plan.userid
        self.token = ApiToken(f"{name}-token", child, **{**plan.token, "userid": userid})
        token_id_out = self.token.auth_id
        if namespace is not None or plan.namespace is None:
            self.namespace: NamespaceResource | None = namespace
        else:  # retained: removing the replication never deletes replicated backups
            keep = pulumi.ResourceOptions(parent=self, retain_on_delete=plan.keep_namespace)
            self.namespace = NamespaceResource(f"{name}-namespace", keep, **plan.namespace)
        # the ACL entries name the namespace's path: created after it, deleted before it
        on_ns = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace] if self.namespace else [])
        self.acls = [
            AclEntry(f"{name}-acl-{who}", on_ns, **{**entry, "authId": auth_id})
            for who, entry, auth_id in zip(("user", "token"), plan.acls, (userid, token_id_out), strict=True)
        ]
        self.remote = Remote(
            f"{name}-remote",
            child,
            **plan.remote,
            authId=token_id_out,
            password=self.token.secret,  # type: ignore[attr-defined]
        )
        ready = [*self.acls, *([self.namespace] if self.namespace is not None else [])]
        self.job = SyncJob(
            f"{name}-job",
            pulumi.ResourceOptions(parent=self, depends_on=ready),
            **{**plan.job, "remote": self.remote.name},  # type: ignore[attr-defined]
        )
        # on the target datastore/namespace: created after the namespace, deleted before it
        self.prune_job = (
            PruneJob(f"{name}-prune", on_ns, **plan.prune_job_inputs) if plan.prune_job_inputs else None
        )
        self.verify_job = (
            VerifyJob(f"{name}-verify", on_ns, **plan.verify_job_inputs) if plan.verify_job_inputs else None
        )
        self.job_id = self.job.jobId  # type: ignore[attr-defined]
        self.remote_name = self.remote.name  # type: ignore[attr-defined]
        self.token_id = token_id_out
        self.register_outputs(
            {"jobId": self.job_id, "remoteName": self.remote_name, "tokenId": self.token_id}
        )

    @classmethod
    def _claim_remote_user(cls, plan: ReplicationPlan) -> None:
        holder = cls._remote_users.setdefault((plan.access_server, plan.userid), plan.name)
        if holder != plan.name:
            raise InvalidReplication([f"replication {plan.name}.user: {shared_user_reason(plan, holder)}"])


__all__ = [
    "COMPONENT_TYPE",
    "DEFAULT_PRUNE_SCHEDULE",
    "DEFAULT_VERIFY_SCHEDULE",
    "JOB_OPTIONS",
    "KEEP_OPTIONS",
    "RETENTION_OPTIONS",
    "TARGET_JOBS",
    "VERIFY_OPTIONS",
    "WIRED_TARGET_JOB_INPUTS",
    "InvalidReplication",
    "Replication",
    "ReplicationArgs",
    "ReplicationPlan",
    "ReplicationSide",
    "kept_on_removal",
    "plan_problems",
    "plan_replication",
    "shared_user_reason",
]
