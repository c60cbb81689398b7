"""Every sync job a stack declares, seen from outside Pulumi: where it runs, the remote it uses, the
server of this stack at the remote's other end, and which config key sets each of its settings.

`syncJobs` entries and `replications` (expanded by `plan_replication`) are both sync jobs; the
commands that act on a deployed stack (`run`, `doctor`) look jobs up here and name config keys
from here, so their advice points at the line of `Pulumi.<stack>.yaml` to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pbs_provider.client import DEFAULT_PORT
from pbs_provider.stack_config import (
    REMOTE_PASSWORDS_KEY,
    REMOTES_KEY,
    REPLICATIONS_KEY,
    SYNC_JOBS_KEY,
    TOKENS_KEY,
    RemoteDecl,
    ReplicationDecl,
    StackConfig,
    SyncJobDecl,
)


@dataclass(frozen=True)
class StackRemote:
    """The remote a job uses, as the stack declares it."""

    name: str
    host: str
    port: int
    auth_id: str
    password: str | None
    """Known when the stack holds it (`remotePasswords`); None when it is a token secret that only
    exists in the Pulumi state and on PBS (`passwordFromToken`, `replications`)."""
    fingerprint: str | None
    """The declared pin; None with `fingerprintFrom` (read at deploy time) or for a CA-signed peer."""
    fingerprint_from: str | None
    other_server: str | None
    """The server of this stack at the remote's other end, if the stack has it."""
    keys: dict[str, str]
    """Config key per setting: `host`, `port`, `authId`, `password`, `fingerprint`."""

    def __repr__(self) -> str:
        return (
            f"StackRemote(name={self.name!r}, host={self.host!r}, port={self.port}, auth_id={self.auth_id!r})"
        )


@dataclass(frozen=True)
class StackJob:
    """One sync job of the stack."""

    key: str
    """The config entry (`syncJobs.<key>` or `replications.<key>`)."""
    section: str
    server: str
    job_id: str
    inputs: dict[str, Any]
    """SyncJob inputs (camelCase) as the stack declares them."""
    remote: StackRemote | None
    keys: dict[str, str]
    """Config key per SyncJob input that this entry sets in its own words (replications: sides)."""
    access_user: str | None = None
    """Replications: the remote user the stack manages for this job (on `remote.other_server`)."""

    @property
    def direction(self) -> str:
        return "push" if self.inputs.get("syncDirection") == "push" else "pull"

    @property
    def entry(self) -> str:
        return f"{self.section}.{self.key}"

    def key_of(self, name: str) -> str:
        """The config key that sets SyncJob input `name` (camelCase) for this job."""
        return self.keys.get(name, f"{self.entry}.{name}")

    def get(self, name: str, default: Any = None) -> Any:
        value = self.inputs.get(name)
        return default if value is None or value == "" else value


@dataclass(frozen=True)
class Place:
    """A datastore namespace (the anchor of a job's end) on one server of the stack."""

    server: str
    store: str
    ns: str

    def overlaps(self, other: Place) -> bool:
        """Same server and datastore, and one namespace is the other or below it."""
        if (self.server, self.store) != (other.server, other.store):
            return False
        a, b = self.ns, other.ns
        return not a or not b or a == b or a.startswith(f"{b}/") or b.startswith(f"{a}/")

    def __str__(self) -> str:
        return f"`{self.store}{'/' + self.ns if self.ns else ''}` on `{self.server}`"


def job_ends(job: StackJob) -> tuple[Place | None, Place | None]:
    """(source, target) of a job; None for an end on a server this stack does not have."""
    local = Place(job.server, str(job.get("store")), job.get("ns", ""))
    other_server = job.server if job.remote is None else job.remote.other_server
    other = (
        None
        if other_server is None
        else Place(other_server, str(job.get("remoteStore")), job.get("remoteNs", ""))
    )
    return (local, other) if job.direction == "push" else (other, local)


def _url_endpoint(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port or DEFAULT_PORT


def _other_server(config: StackConfig, host: str, port: int, hint: str | None) -> str | None:
    if hint is not None:
        return hint
    for name, entry in config.servers.entries.items():
        if _url_endpoint(entry.url) == (host.lower(), port):
            return name
    return None


def _declared_remote(config: StackConfig, decl: RemoteDecl) -> StackRemote:
    inputs = decl.inputs
    path = f"{REMOTES_KEY}.{decl.key}"
    port = int(inputs.get("port") or DEFAULT_PORT)
    auth_id = str(inputs.get("authId", ""))
    password_key = f"{REMOTE_PASSWORDS_KEY}.{decl.key}"
    if decl.token_key is not None:
        token = config.tokens[decl.token_key]
        auth_id = token.token_id
        password_key = f"{TOKENS_KEY}.{decl.token_key}.regenerate"
    return StackRemote(
        name=decl.name,
        host=str(inputs["host"]),
        port=port,
        auth_id=auth_id,
        password=decl.password,
        fingerprint=inputs.get("fingerprint"),
        fingerprint_from=decl.fingerprint_from,
        other_server=_other_server(config, str(inputs["host"]), port, decl.fingerprint_from),
        keys={
            "host": f"{path}.host",
            "port": f"{path}.port",
            "authId": f"{path}.authId" if decl.token_key is None else f"{path}.passwordFromToken",
            "password": password_key,
            "fingerprint": f"{path}.fingerprintFrom" if decl.fingerprint_from else f"{path}.fingerprint",
        },
    )


def _sync_job(config: StackConfig, decl: SyncJobDecl) -> StackJob:
    remote = None
    if decl.remote_key is not None:
        remote = _declared_remote(config, config.remotes[decl.remote_key])
    return StackJob(decl.key, SYNC_JOBS_KEY, decl.server, decl.job_id, dict(decl.inputs), remote, {})


def _replication_job(decl: ReplicationDecl) -> StackJob:
    plan, args = decl.plan, decl.args
    path = f"{REPLICATIONS_KEY}.{decl.key}"
    local, other = ("source", "target") if plan.direction == "push" else ("target", "source")
    remote = StackRemote(
        name=str(plan.remote["name"]),
        host=str(plan.remote.get("host", "")),
        port=int(plan.remote.get("port") or DEFAULT_PORT),
        auth_id=plan.token_id,
        password=None,
        fingerprint=args.remote_fingerprint,
        fingerprint_from=decl.fingerprint_from,
        other_server=plan.access_server,
        keys={
            "host": f"{path}.remoteHost",
            "port": f"{path}.remotePort",
            "authId": f"{path}.user",
            "password": f"{path}.regenerate",
            "fingerprint": f"{path}.remoteFingerprint",
        },
    )
    keys = {
        "store": f"{path}.{local}.store",
        "ns": f"{path}.{local}.ns",
        "remoteStore": f"{path}.{other}.store",
        "remoteNs": f"{path}.{other}.ns",
        "remote": f"{path}.remoteName",
        "jobId": f"{path}.jobId",
    }
    return StackJob(
        decl.key,
        REPLICATIONS_KEY,
        plan.job_server,
        str(plan.job["jobId"]),
        dict(plan.job),
        remote,
        keys,
        access_user=plan.userid,
    )


def stack_jobs(config: StackConfig) -> list[StackJob]:
    """The stack's sync jobs: `syncJobs` entries first, then replications, each in config order."""
    jobs = [_sync_job(config, decl) for decl in config.sync_jobs.values()]
    jobs += [_replication_job(decl) for decl in config.replications.values()]
    return jobs


class JobLookupError(LookupError):
    """No job, or more than one, answers to the name given."""


def find_job(jobs: list[StackJob], name: str, server: str | None = None) -> StackJob:
    """The job whose config key or PBS job id is `name` (optionally on `server`)."""
    candidates = [j for j in jobs if server is None or j.server == server]
    for match in (
        [j for j in candidates if j.key == name],
        [j for j in candidates if j.job_id == name],
    ):
        if len(match) == 1:
            return match[0]
        if len(match) > 1:
            where = ", ".join(f"`{j.entry}` on server `{j.server}`" for j in match)
            raise JobLookupError(f"`{name}` names more than one job ({where}): add --server <name>")
    known = ", ".join(sorted({j.key for j in candidates} | {j.job_id for j in candidates})) or "none"
    scope = f" on server `{server}`" if server else ""
    raise JobLookupError(f"the stack has no sync job `{name}`{scope} (jobs: {known})")
