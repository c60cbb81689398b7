"""The Pulumi program's body: a validated stack config becomes resources, in dependency order.

Remotes come before the sync jobs that use them (a job's `remote` input is the Remote's `name`
output, so Pulumi creates the remote first and deletes the job first). `fingerprintFrom` is resolved
here, at deploy time, from the named server's certificate (`GET /nodes/localhost/status`).

The target side follows the same rule: users before their tokens and ACL entries, tokens before
the remotes whose password is their secret (`passwordFromToken`), parent namespaces before their
children; each `replications` entry becomes a `Replication` component (its remote pins the other
server's certificate when that one is self-signed; its prune and verify jobs wait for the target
namespace).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pulumi

from pbs_provider.client import PbsError, client_for
from pbs_provider.resources.acl_entry import AclEntry
from pbs_provider.resources.api_token import ApiToken
from pbs_provider.resources.namespace import Namespace
from pbs_provider.resources.prune_job import PruneJob
from pbs_provider.resources.remote import Remote
from pbs_provider.resources.replication import Replication, kept_on_removal
from pbs_provider.resources.sync_job import SyncJob
from pbs_provider.resources.user import User
from pbs_provider.resources.verify_job import VerifyJob
from pbs_provider.servers import ServerConfigError, ServerDirectory
from pbs_provider.stack_config import StackConfig
from pbs_types.calendar import parse_calendar_event


class Fingerprints:
    """The certificate fingerprints of the stack's servers, each read once per deployment."""

    def __init__(self, servers: ServerDirectory) -> None:
        self.servers = servers
        self.known: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self.known:
            self.known[name] = server_fingerprint(self.servers, name)
        return self.known[name]


def server_fingerprint(servers: ServerDirectory, name: str) -> str:
    """The SHA-256 fingerprint of server `name`'s certificate, as PBS reports it."""
    try:
        fingerprint = client_for(name, servers.server_config(name)).server_fingerprint()
    except (PbsError, ServerConfigError) as error:
        raise pulumi.RunError(
            f"fingerprintFrom: cannot read the certificate fingerprint of server `{name}`: {error}"
        ) from None
    if not fingerprint:
        raise pulumi.RunError(f"fingerprintFrom: server `{name}` did not report a certificate fingerprint")
    return fingerprint


def next_run(schedule: str | None, now: float | None = None) -> str | None:
    """The next time `schedule` fires after `now`, as ISO 8601 in this machine's time zone."""
    if not schedule:
        return None
    epoch = parse_calendar_event(schedule).next_event(int(now if now is not None else time.time()))
    return None if epoch is None else dt.datetime.fromtimestamp(epoch).astimezone().isoformat()


def summary(config: StackConfig) -> dict[str, Any]:
    """What the stack manages per server: remotes, and jobs with direction, schedule and next run."""
    out: dict[str, dict[str, Any]] = {}
    remotes = [(decl.server, decl.name) for decl in config.remotes.values()]
    jobs = [decl.inputs for decl in config.sync_jobs.values()]
    for replication in config.replications.values():  # their remotes and jobs are remotes and jobs too
        remotes.append((replication.plan.job_server, replication.plan.remote["name"]))
        jobs.append(replication.plan.job)
    for server, name in remotes:
        out.setdefault(server, {"remotes": [], "syncJobs": []})["remotes"].append(name)
    for job in jobs:
        out.setdefault(job["server"], {"remotes": [], "syncJobs": []})["syncJobs"].append(
            {
                "id": job["jobId"],
                "direction": job.get("syncDirection", "pull"),
                "remote": job.get("remote"),
                "store": job["store"],
                "remoteStore": job["remoteStore"],
                "schedule": job.get("schedule"),
                "nextRun": next_run(job.get("schedule")),
            }
        )
    return out


def deploy(config: StackConfig) -> None:
    """Register every resource the config declares and export the summary."""
    target = deploy_target_side(config)
    fingerprint_of = Fingerprints(config.servers)
    remotes: dict[str, Remote] = {}
    for key, decl in config.remotes.items():
        inputs = dict(decl.inputs)
        if decl.fingerprint_from:
            inputs["fingerprint"] = fingerprint_of(decl.fingerprint_from)
        password: Any = decl.password
        if decl.token_key is not None:
            token = target.tokens[decl.token_key]
            inputs["authId"], password = token.auth_id, token.secret  # type: ignore[attr-defined]
        remotes[key] = Remote(key, password=password, **inputs)
    for key, decl in config.sync_jobs.items():
        inputs = dict(decl.inputs)
        if decl.remote_key is not None:
            inputs["remote"] = remotes[decl.remote_key].name
        SyncJob(key, pulumi.ResourceOptions(depends_on=remote_side(config, target, decl)), **inputs)
    deploy_replications(config, target, fingerprint_of)
    deploy_datastore_jobs(config, target)
    pulumi.export("servers", summary(config))
    if config.replications:
        pulumi.export("replications", replication_summary(config))


def remote_side(config: StackConfig, side: TargetSide, job: Any) -> list[pulumi.Resource]:
    """What a job needs on its remote's server when the stack manages that side (`passwordFromToken`):
    the ACL entries of the remote's token and user, and the remote namespace with its parents."""
    remote = config.remotes.get(job.remote_key) if job.remote_key is not None else None
    if remote is None or remote.token_key is None:
        return []
    token = config.tokens[remote.token_key]
    who = {token.token_id, token.inputs["userid"]}
    needed: list[pulumi.Resource] = [
        side.acls[k] for k, acl in config.acls.items()
        if acl.inputs.get("server") == token.server and acl.inputs.get("authId") in who
    ]  # fmt: skip
    ns, store = job.inputs.get("remoteNs") or "", job.inputs.get("remoteStore")
    for k, decl in config.namespaces.items():
        space = str(decl.inputs.get("ns"))
        if (decl.inputs.get("server"), decl.inputs.get("store")) == (token.server, store) and (
            ns == space or ns.startswith(space + "/")
        ):
            needed.append(side.namespaces[k])
    return needed


def replication_summary(config: StackConfig) -> dict[str, Any]:
    """Per replication: where its job runs, which remote user and token it uses where, its prune and verify
    jobs on the target (if any), and what removing it keeps (shown by the CLI as a removed or changed output
    when the entry goes or its target moves)."""
    return {
        key: {
            "direction": r.plan.direction,
            "jobServer": r.plan.job_server,
            "jobId": r.plan.job["jobId"],
            "remote": r.plan.remote["name"],
            "remoteUserServer": r.plan.access_server,
            "tokenId": r.plan.token_id,
            "role": r.plan.role,
            "keptOnRemoval": kept_on_removal(r.plan, r.namespace_key is not None),
            **({"pruneJobId": r.plan.prune_job_inputs["jobId"]} if r.plan.prune_job_inputs else {}),
            **({"verifyJobId": r.plan.verify_job_inputs["jobId"]} if r.plan.verify_job_inputs else {}),
        }
        for key, r in config.replications.items()
    }


class TargetSide:
    """The target-side resources of a deployment, by their config keys."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.tokens: dict[str, ApiToken] = {}
        self.namespaces: dict[str, Namespace] = {}
        self.acls: dict[str, AclEntry] = {}


def deploy_target_side(config: StackConfig) -> TargetSide:
    """Users, tokens, ACL entries and namespaces, each after what it names."""
    side = TargetSide()
    for key, user in config.users.items():
        side.users[key] = User(key, password=user.password, **user.inputs)
    for key, token in config.tokens.items():
        inputs = dict(token.inputs)
        if token.user_key is not None:
            inputs["userid"] = side.users[token.user_key].userid  # type: ignore[attr-defined]
        side.tokens[key] = ApiToken(key, **inputs)
    for key, ns in sorted(
        config.namespaces.items(), key=lambda item: str(item[1].inputs.get("ns")).count("/")
    ):
        parents = [side.namespaces[p] for p in ns.parent_keys]
        side.namespaces[key] = Namespace(key, pulumi.ResourceOptions(depends_on=parents), **ns.inputs)
    for key, acl in config.acls.items():
        inputs = dict(acl.inputs)
        if acl.token_key is not None:
            inputs["authId"] = side.tokens[acl.token_key].auth_id
        elif acl.user_key is not None:
            inputs["authId"] = side.users[acl.user_key].userid  # type: ignore[attr-defined]
        on = [side.namespaces[k] for k, ns in config.namespaces.items() if _acl_covers(acl.inputs, ns.inputs)]
        side.acls[key] = AclEntry(key, pulumi.ResourceOptions(depends_on=on), **inputs)
    return side


def deploy_datastore_jobs(config: StackConfig, side: TargetSide) -> None:
    """`pruneJobs` and `verifyJobs`, each after the `namespaces` item it works in (if the stack has it)."""
    for kind, decls in ((PruneJob, config.prune_jobs), (VerifyJob, config.verify_jobs)):
        for key, decl in decls.items():
            needs = [side.namespaces[decl.namespace_key]] if decl.namespace_key else []
            kind(key, pulumi.ResourceOptions(depends_on=needs), **decl.inputs)


def _acl_covers(acl: dict[str, Any], ns: dict[str, Any]) -> bool:
    """Whether an ACL entry's path is (inside) the namespace: the entry is created after it."""
    path = f"/datastore/{ns.get('store')}/{ns.get('ns')}"
    return acl.get("server") == ns.get("server") and (
        acl.get("path") == path or acl.get("path", "").startswith(path + "/")
    )


def deploy_replications(config: StackConfig, side: TargetSide, fingerprint_of: Fingerprints) -> None:
    """One `Replication` component per `replications` entry (its fingerprint read when needed)."""
    for key, decl in config.replications.items():
        args = decl.args
        if decl.fingerprint_from:
            fingerprint = fingerprint_of(decl.fingerprint_from)
            args = args.model_copy(update={"remote_fingerprint": fingerprint})
        Replication(
            key,
            args,
            user=side.users.get(decl.user_key) if decl.user_key else None,
            namespace=side.namespaces.get(decl.namespace_key) if decl.namespace_key else None,
        )
