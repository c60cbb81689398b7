"""Export what exists on live PBS servers as stack config, every entry with `adopt: true`.

This is how a setup built in the GUI comes under management. For each server read, the export
holds its `servers` entry and its remotes, sync jobs (push ones too), users, API tokens, ACL entries,
namespaces, prune jobs and verify jobs. Values are read through the schema models, so they come out
exactly as the providers compare them, and a following `pulumi up` adopts every object without changing
it.

Left out on purpose, because managing them would let a `pulumi destroy` lock the stack out:
`root@pam`, the user the export logs in as, its token and their ACL entries. Group ACLs are left
out too (the `AclEntry` resource grants to users and tokens). Secrets PBS never returns (server
secret, remote passwords, user passwords) are not in the output: it lists the `pulumi config set
--secret` command for each.

With `fold_replications`, a set that is exactly what a `replications` entry would create (remote
user, its token, the ACL entries of both, the target namespace, the remote and the job, on two of
the servers read) is emitted as that one entry instead of its parts. Its remote's password is its
token's secret, which PBS shows only once: the entry carries `regenerate`, so that the first `up`
renews the secret and hands it to the remote (the only writes of that `up`). A prune job (with keep
options) or a scheduled verify job on that replication's target datastore and namespace becomes its
`retention` / `verify` (one of each); every other one stays a `pruneJobs` / `verifyJobs` entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from pbs_provider.client import DEFAULT_PORT, PbsClient
from pbs_provider.resources.replication import (
    JOB_OPTIONS,
    KEEP_OPTIONS,
    TARGET_JOBS,
    WIRED_TARGET_JOB_INPUTS,
    ReplicationArgs,
    ReplicationPlan,
    plan_replication,
)
from pbs_provider.schemas.acl_entry import AclEntrySchema
from pbs_provider.schemas.api_token import ApiTokenSchema
from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.namespace import NamespaceSchema
from pbs_provider.schemas.prune_job import PruneJobSchema
from pbs_provider.schemas.remote import RemoteSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_provider.schemas.user import UserSchema
from pbs_provider.schemas.verify_job import VerifyJobSchema
from pbs_provider.servers import SECRETS_KEY, SERVERS_KEY
from pbs_provider.stack_config import (
    ACLS_KEY,
    NAMESPACE,
    NAMESPACES_KEY,
    PRUNE_JOBS_KEY,
    REMOTE_PASSWORDS_KEY,
    REMOTES_KEY,
    REPLICATIONS_KEY,
    SYNC_JOBS_KEY,
    TOKENS_KEY,
    USER_PASSWORDS_KEY,
    USERS_KEY,
    VERIFY_JOBS_KEY,
)
from pbs_types.ids import ROOT_USERID, parse_authid

Progress = Callable[[str], None]


@dataclass
class Source:
    """One server to read: its name in the stack, its `servers` entry and a client for it."""

    name: str
    entry: dict[str, Any]
    client: PbsClient


@dataclass
class Export:
    """Stack config sections (un-namespaced keys) and the secrets the admin must still set."""

    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    remotes: dict[str, dict[str, Any]] = field(default_factory=dict)
    sync_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    acls: list[dict[str, Any]] = field(default_factory=list)
    namespaces: list[dict[str, Any]] = field(default_factory=list)
    replications: dict[str, dict[str, Any]] = field(default_factory=dict)
    prune_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    verify_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    """What was not exported, and why (shown as comments)."""

    def config(self) -> dict[str, Any]:
        """The `config:` mapping of a stack file (namespaced keys; empty sections left out)."""
        sections = {
            SERVERS_KEY: self.servers,
            REMOTES_KEY: self.remotes,
            SYNC_JOBS_KEY: self.sync_jobs,
            USERS_KEY: self.users,
            TOKENS_KEY: self.tokens,
            ACLS_KEY: self.acls,
            NAMESPACES_KEY: self.namespaces,
            REPLICATIONS_KEY: self.replications,
            PRUNE_JOBS_KEY: self.prune_jobs,
            VERIFY_JOBS_KEY: self.verify_jobs,
        }
        return {f"{NAMESPACE}:{key}": value for key, value in sections.items() if value}

    def secrets(self) -> list[tuple[str, str, bool]]:
        """(secret map, entry, required) for every secret the stack needs and PBS never returns."""
        found = [(SECRETS_KEY, name, True) for name in self.servers]
        found += [(REMOTE_PASSWORDS_KEY, key, True) for key in self.remotes]
        found += [
            (USER_PASSWORDS_KEY, key, False)
            for key, user in self.users.items()
            if str(user.get("userid", key)).endswith("@pbs")
        ]
        return found


def _entry(schema: type[PbsObject], data: dict[str, Any], server: str, *, identity: bool) -> dict[str, Any]:
    """Stack-config entry (camelCase inputs) for one PBS object, with its identity fields only
    where the entry has no name of its own (list items)."""
    values = schema.from_pbs(data).wire_values()
    drop = {s.input_name for s in schema.output_only_specs()}
    if not identity:
        drop |= {s.input_name for s in schema.identity_specs()}
    drop.add("password")
    return {"server": server, **{k: v for k, v in values.items() if k not in drop}, "adopt": True}


def _key(name: str, server: str, taken: Iterable[str]) -> str:
    """A map key for `name`: itself, or `<server>-<name>` when another server has one too."""
    return name if name not in taken else f"{server}-{name}"


def _own_ids(source: Source) -> set[str]:
    """The user and token the export logs in with: never put under management."""
    auth = str(source.entry.get("authId", ""))
    return {auth, auth.split("!", 1)[0], ROOT_USERID}


def read_server(source: Source, export: Export, progress: Progress) -> None:
    """Add everything of one server to `export`."""
    client, server = source.client, source.name
    export.servers[server] = dict(source.entry)
    own = _own_ids(source)

    progress(f"{server}: reading remotes, sync, prune and verify jobs")
    for data in client.get("/config/remote").data or []:
        key = _key(data["name"], server, export.remotes)
        entry = _entry(RemoteSchema, data, server, identity=False)
        export.remotes[key] = entry if key == data["name"] else {"name": data["name"], **entry}
    for path, schema, jobs, params in (
        ("/config/sync", SyncJobSchema, export.sync_jobs, {"sync-direction": "all"}),
        ("/config/prune", PruneJobSchema, export.prune_jobs, None),
        ("/config/verify", VerifyJobSchema, export.verify_jobs, None),
    ):
        for data in client.get(path, params=params).data or []:
            key = _key(data["id"], server, jobs)
            entry = _entry(schema, data, server, identity=False)
            jobs[key] = entry if key == data["id"] else {"jobId": data["id"], **entry}

    progress(f"{server}: reading users, API tokens and ACL entries")
    for data in client.get("/access/users", params={"include_tokens": True}).data or []:
        userid = data["userid"]
        if userid not in own:
            key = _key(userid, server, export.users)
            entry = _entry(UserSchema, data, server, identity=False)
            export.users[key] = entry if key == userid else {"userid": userid, **entry}
        for token in data.get("tokens") or []:
            tokenid = token.get("tokenid", "")
            if tokenid in own or not isinstance(tokenid, str) or "!" not in tokenid:
                continue
            name = tokenid.split("!", 1)[1]
            entry = _entry(
                ApiTokenSchema, {**token, "userid": userid, "token-name": name}, server, identity=False
            )
            key = _key(tokenid, server, export.tokens)
            export.tokens[key] = entry if key == tokenid else {"userid": userid, "tokenName": name, **entry}
    groups = 0
    for data in client.get("/access/acl").data or []:
        if data.get("ugid_type") != "user":
            groups += 1
            continue
        if data.get("ugid") in own:
            continue
        pbs = {"path": data.get("path"), "auth-id": data.get("ugid"), "role": data.get("roleid")}
        export.acls.append(
            _entry(AclEntrySchema, {**pbs, "propagate": data.get("propagate")}, server, identity=True)
        )
    if groups:
        export.left_out.append(f"{server}: {groups} ACL entries of groups (not managed by this project)")

    progress(f"{server}: reading namespaces")
    for store in client.get("/admin/datastore").data or []:
        name = store.get("store") if isinstance(store, dict) else None
        if not isinstance(name, str):
            continue
        for item in client.get(f"/admin/datastore/{name}/namespace").data or []:
            ns = item.get("ns") if isinstance(item, dict) else None
            if ns:  # the root namespace always exists
                export.namespaces.append(
                    _entry(NamespaceSchema, {"store": name, "ns": ns}, server, identity=True)
                )
    export.left_out.append(
        f"{server}: `{ROOT_USERID}` and `{source.entry.get('authId')}` (the login of the export) with "
        "their ACL entries: managing them could lock the stack out"
    )


def export_config(
    sources: list[Source], *, fold_replications: bool = False, progress: Progress | None = None
) -> Export:
    """Everything on the given servers as stack config (see the module docstring)."""
    export = Export()
    for source in sources:
        read_server(source, export, progress or (lambda _message: None))
    if fold_replications:
        fold(export)
    return export


# ---- replications ---------------------------------------------------------------------------


def _endpoint(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port or DEFAULT_PORT)


def _reaches(export: Export, remote: dict[str, Any]) -> str | None:
    """The exported server a remote points at (host and port of its `url`), if any."""
    want = (remote.get("host"), int(remote.get("port") or DEFAULT_PORT))
    hits = [n for n, e in export.servers.items() if _endpoint(str(e.get("url"))) == want]
    return hits[0] if len(hits) == 1 else None


_COMMENT = re.compile(r"^remote user of replication (?P<name>\S+) \(")


def _candidate(export: Export, job_key: str) -> tuple[str, ReplicationArgs] | None:
    """The replication a sync job and its remote could be part of (checked by `_matches`)."""
    job = export.sync_jobs[job_key]
    remote_key = next(
        (
            k
            for k, r in export.remotes.items()
            if r.get("name", k) == job.get("remote") and r["server"] == job["server"]
        ),
        None,
    )
    if remote_key is None:
        return None
    remote = export.remotes[remote_key]
    other = _reaches(export, remote)
    try:
        auth = parse_authid(str(remote.get("authId")))
    except ValueError:
        return None
    if other is None or other == job["server"] or auth.token is None:
        return None
    push = job.get("syncDirection") == "push"
    local = {"server": job["server"], "store": job.get("store"), "ns": job.get("ns")}
    far = {"server": other, "store": job.get("remoteStore"), "ns": job.get("remoteNs")}
    source, target = (local, far) if push else (far, local)
    user = next(
        (u for k, u in export.users.items() if u["server"] == other and u.get("userid", k) == auth.userid),
        None,
    )
    found = _COMMENT.match(str((user or {}).get("comment", "")))
    name = found["name"] if found else job.get("jobId", job_key)
    options = {k: v for k, v in job.items() if k in JOB_OPTIONS}
    raw = {
        "direction": "push" if push else "pull",
        "source": {k: v for k, v in source.items() if v},
        "target": {k: v for k, v in target.items() if v},
        "user": auth.userid,
        "createUser": user is not None,
        "tokenName": auth.token,
        "jobId": job.get("jobId", job_key),
        "remoteName": remote.get("name", remote_key),
        "remoteHost": remote.get("host"),
        "adopt": True,
        **({"remotePort": remote["port"]} if remote.get("port") is not None else {}),
        **({"remoteFingerprint": remote["fingerprint"]} if remote.get("fingerprint") else {}),
        **options,
    }
    try:
        return name, ReplicationArgs.parse(raw)
    except ValueError:
        return None


DEFAULTS = {"enable": True, "expire": 0, "propagate": True, "syncDirection": "pull"}
"""Values PBS reports that equal what an unset input means."""


def _plain(entry: dict[str, Any], ignore: Iterable[str]) -> dict[str, Any]:
    skip = {"adopt", *ignore}
    return {k: v for k, v in entry.items() if k not in skip and DEFAULTS.get(k, object()) != v}


def _same(planned: dict[str, Any], exported: dict[str, Any], ignore: Iterable[str] = ()) -> bool:
    """Whether an exported entry is exactly what the plan would create (so `up` changes nothing)."""
    return _plain(planned, ignore) == _plain(exported, ignore)


def _matches(export: Export, plan: ReplicationPlan, args: ReplicationArgs) -> dict[str, list[Any]] | None:
    """The exported entries `plan` would create, when every one exists exactly as planned."""
    parts: dict[str, list[Any]] = {
        k: [] for k in ("users", "tokens", "acls", "namespaces", "remotes", "jobs")
    }
    if plan.user is not None:
        users = [k for k, u in export.users.items() if _same(plan.user, {"userid": k, **u})]
        if not users:
            return None
        parts["users"] = users[:1]
    names = ("userid", "tokenName")
    tokens = [
        k
        for k, t in export.tokens.items()
        if t["server"] == plan.access_server
        and t.get("userid", plan.userid) == plan.userid
        and k.endswith(plan.token_id)
        and _same(plan.token, t, names)
    ]
    if not tokens:
        return None
    parts["tokens"] = tokens[:1]
    for acl in plan.acls:
        index = next((i for i, a in enumerate(export.acls) if _same(acl, a)), None)
        if index is None:
            return None
        parts["acls"].append(index)
    if plan.namespace is not None:
        index = next((i for i, n in enumerate(export.namespaces) if _same(plan.namespace, n)), None)
        if index is not None:
            parts["namespaces"].append(index)
    remote = next(
        (k for k, r in export.remotes.items() if _same(plan.remote, {"name": k, **r}, ("authId",))), None
    )
    job = next((k for k, j in export.sync_jobs.items() if _same(plan.job, {"jobId": k, **j})), None)
    if remote is None or job is None:
        return None
    parts["remotes"], parts["jobs"] = [remote], [job]
    return parts


def fold(export: Export) -> None:
    """Replace each set that matches a replication by its `replications` entry."""
    for job_key in list(export.sync_jobs):
        if job_key not in export.sync_jobs:
            continue
        found = _candidate(export, job_key)
        if found is None:
            continue
        name, args = found
        plan = plan_replication(name, args)
        parts = _matches(export, plan, args)
        if parts is None:
            continue
        for key in parts["users"]:
            del export.users[key]
        for key in parts["tokens"]:
            del export.tokens[key]
        for key in parts["remotes"]:
            del export.remotes[key]
        for key in parts["jobs"]:
            del export.sync_jobs[key]
        export.acls = [a for i, a in enumerate(export.acls) if i not in parts["acls"]]
        export.namespaces = [n for i, n in enumerate(export.namespaces) if i not in parts["namespaces"]]
        export.replications[name] = {
            **_declaration(name, args, export),
            **_target_jobs(export, plan.job["jobId"], args),
        }
        export.left_out.append(
            f"{REPLICATIONS_KEY}.{name}: the secret of its token (PBS shows it only once): the first `up` "
            f"renews it (`regenerate: {ADOPT_TRIGGER}`) and gives the new one to its remote"
        )


def _declaration(name: str, args: ReplicationArgs, export: Export) -> dict[str, Any]:
    """The `replications` entry for `args`, leaving out what equals the defaults."""
    full = args.model_dump(by_alias=True, exclude_none=True)
    defaults = {"createUser": True, "tokenName": "sync", "createNamespaces": False, "adopt": False}
    entry = {k: v for k, v in full.items() if defaults.get(k, object()) != v}
    other = args.target.server if args.direction == "push" else args.source.server
    host, port = _endpoint(str(export.servers[other].get("url")))
    if entry.get("remoteHost") == host:
        del entry["remoteHost"]
        if entry.get("remotePort", DEFAULT_PORT) == port:
            entry.pop("remotePort", None)
    if entry.get("user") == f"{name}@pbs":
        del entry["user"]
    for key in ("jobId", "remoteName"):
        if entry.get(key) == name:
            del entry[key]
    for side in ("source", "target"):
        entry[side] = {k: v for k, v in entry[side].items() if v}
    # The remote's password is the token's secret, which PBS showed once, when the token was made:
    # adopting renews it (the remote gets the new one in the same `up`).
    entry["regenerate"] = ADOPT_TRIGGER
    return entry


def _target_jobs(export: Export, sync_job_id: str, args: ReplicationArgs) -> dict[str, Any]:
    """`retention` / `verify` of a folded replication: the prune job (with keep options) and the scheduled
    verify job on exactly its target datastore and namespace, taken out of `pruneJobs` / `verifyJobs`
    (the one with the sync job's id first). Defaults the plan fills in again are left out."""
    target = (args.target.server, args.target.store, args.target.ns or "")
    found: dict[str, Any] = {}
    for key, jobs in (("retention", export.prune_jobs), ("verify", export.verify_jobs)):
        schedule = TARGET_JOBS[key][2]
        fits = [
            k
            for k, job in jobs.items()
            if (job["server"], job.get("store"), job.get("ns") or "") == target
            and (any(o in job for o in KEEP_OPTIONS) if key == "retention" else "schedule" in job)
        ]
        if not fits:
            continue
        job_key = min(fits, key=lambda k: jobs[k].get("jobId", k) != sync_job_id)
        job = jobs.pop(job_key)
        options = {k: v for k, v in job.items() if k not in WIRED_TARGET_JOB_INPUTS}
        options.setdefault("jobId", job_key)
        if options["jobId"] == sync_job_id:
            del options["jobId"]
        if options.get("schedule") == schedule:
            del options["schedule"]
        found[key] = options or True  # `verify: true` is a verify job with every default
    return found


ADOPT_TRIGGER = "adopted"
"""`regenerate` of an exported replication: its first `up` renews the token secret."""


# ---- output ----------------------------------------------------------------------------------


def render(export: Export, stack: str = "<stack>") -> str:
    """A stack file (`config:` and the comments saying what to do next)."""
    lines = [
        f"# Exported from live PBS ({', '.join(export.servers) or 'none'}): save as "
        f"stacks/Pulumi.{stack}.yaml",
        "# (or merge the keys below into its `config:`). `adopt: true` makes `pulumi up` take these",
        "# objects over as they are instead of creating them.",
    ]
    secrets = export.secrets()
    if secrets:
        lines.append("# PBS never returns secrets: set each one before `pulumi up`:")
        for secret_map, key, required in secrets:
            what = {SECRETS_KEY: "<token secret or password>", REMOTE_PASSWORDS_KEY: "<password>"}.get(
                secret_map, "<password>"
            )
            optional = "" if required else "   # optional: only to manage the user's login password"
            lines.append(
                f"#   pulumi config set --secret --path '{secret_map}.{key}' {what} --stack {stack}{optional}"
            )
    for note in export.left_out:
        lines.append(f"# Not exported: {note}")
    body = yaml.safe_dump(
        {"config": export.config()}, sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    return "\n".join(lines) + "\n" + body
