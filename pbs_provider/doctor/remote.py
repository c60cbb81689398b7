"""Checks on the remote's other end: reachable at the remote's host and port, the certificate the
remote pins, the remote's credentials, the privileges they carry there, and the datastore and
namespace the job uses there.

Reachability and the certificate are probed from this machine (the job connects from its own
server; the messages say so). The credentials are tried for real when the stack holds the
password (`remotePasswords`); a token secret that only lives in the Pulumi state
(`replications`, `passwordFromToken`) cannot be tried, so the token is looked up with the stack's
login for that server instead (exists, enabled, not expired) and its privileges asked for there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pbs_provider.client import (
    AuthenticationFailed,
    PbsClient,
    PbsError,
    RetrySettings,
    ServerConfig,
)
from pbs_provider.client.errors import (
    hint_authentication,
    hint_connect_timeout,
    hint_connection_refused,
    hint_dns,
    hint_fingerprint_changed,
    hint_untrusted_certificate,
)
from pbs_provider.doctor.access import check_need
from pbs_provider.doctor.context import JobCheck, error_text
from pbs_provider.doctor.facts import PbsFacts
from pbs_provider.doctor.privileges import owner_remote_namespace_need, parent_path, remote_needs
from pbs_provider.doctor.probe import Probe, probe
from pbs_provider.stack_config import ACLS_KEY, REPLICATIONS_KEY
from pbs_provider.stack_jobs import StackRemote
from pbs_types.ids import normalize_fingerprint, parse_authid


@dataclass(frozen=True)
class RemoteSide:
    """How the doctor sees the other end of a job: `view` reads it (the stack's login for that
    server when the stack has it, else the remote's own credentials)."""

    view: PbsFacts
    server: str


def _endpoint(remote: StackRemote) -> str:
    host = f"[{remote.host}]" if ":" in remote.host else remote.host
    return f"{host}:{remote.port}"


def _check_reach(c: JobCheck, remote: StackRemote) -> Probe | None:
    seen = probe(remote.host, remote.port, c.probe_timeout)
    where = f"the remote `{remote.name}` points at {_endpoint(remote)}"
    checked = f"(seen from this machine; the job connects from server `{c.job.server}`)"
    if seen.reachable:
        c.ok("reach", f"{where}, which answers over TLS")
        return seen
    if seen.reason == "refused":
        fix = hint_connection_refused(remote.host, remote.port)
        other = c.config.servers.entries.get(remote.other_server or "")
        if other is not None:
            fix += f"; server `{remote.other_server}` of this stack is at {other.url}"
        c.error("reach", f"{where}, which refuses connections {checked}", fix, remote.keys["port"])
    elif seen.reason == "dns":
        c.error(
            "reach",
            f"{where}, whose name does not resolve {checked}",
            hint_dns(remote.host),
            remote.keys["host"],
        )
    elif seen.reason == "timeout":
        fix = hint_connect_timeout(remote.host, remote.port, c.probe_timeout)
        c.error("reach", f"{where}, which does not answer {checked}", fix, remote.keys["host"])
    else:
        c.error(
            "reach",
            f"{where}: {seen.detail} {checked}",
            "check that it is the PBS API port (8007 by default)",
            remote.keys["port"],
        )
    return None


def _expected_pin(c: JobCheck, remote: StackRemote) -> tuple[str | None, str]:
    """The fingerprint PBS will compare the certificate with, and who pins it (for the message)."""
    if remote.fingerprint:
        return remote.fingerprint, "the stack pins"
    if c.local is not None:
        try:
            live = (c.local.remote(remote.name) or {}).get("fingerprint")
        except PbsError:
            live = None
        if isinstance(live, str) and live:
            return live, f"the deployed remote on `{c.job.server}` pins"
    source = c.servers.get(remote.fingerprint_from or "")
    if source is not None:
        try:
            return (
                source.client.server_fingerprint(),
                f"`pulumi up` would pin server `{source.name}`'s certificate,",
            )
        except PbsError:
            pass
    return None, ""


def _check_fingerprint(c: JobCheck, remote: StackRemote, seen: Probe) -> None:
    presented = seen.fingerprint
    assert presented is not None
    pinned, source = _expected_pin(c, remote)
    if pinned is None:
        if seen.trusted:
            c.ok("fingerprint", f"{_endpoint(remote)} presents a certificate the system CAs trust")
        else:
            c.error(
                "fingerprint",
                f"the remote `{remote.name}` pins no certificate fingerprint and {_endpoint(remote)} "
                "presents a certificate no system CA signed: PBS would refuse the connection",
                hint_untrusted_certificate(presented),
                remote.keys["fingerprint"],
            )
        return
    if normalize_fingerprint(pinned) == presented:
        c.ok("fingerprint", f"the remote `{remote.name}` pins the certificate {_endpoint(remote)} presents")
        return
    key = remote.keys["fingerprint"]
    if remote.fingerprint:
        fix = hint_fingerprint_changed(presented)
    elif source.startswith("the deployed"):
        changed = hint_fingerprint_changed(presented)
        fix = f"run `pulumi up` to pin the current certificate (it is read at deploy time); {changed}"
    else:
        fix = (
            f"the remote's host and port reach another server than `{remote.fingerprint_from}`: correct them"
        )
        key = remote.keys["host"]
    c.error(
        "fingerprint",
        f"{source} {normalize_fingerprint(pinned)} for the remote `{remote.name}`, but "
        f"{_endpoint(remote)} presents {presented}: PBS would refuse the connection",
        fix,
        key,
    )


def _as_remote(c: JobCheck, remote: StackRemote, seen: Probe) -> PbsFacts | None:
    """Log in with the remote's own credentials (when the stack holds them)."""
    if remote.password is None:
        return None
    host = f"[{remote.host}]" if ":" in remote.host else remote.host
    server = ServerConfig(
        url=f"https://{host}:{remote.port}",
        auth_id=remote.auth_id,
        secret=remote.password,
        fingerprint=seen.fingerprint,  # the pin itself is checked on its own
        connect_timeout=c.probe_timeout,
        retry=RetrySettings(attempts=2),
    )
    name = remote.other_server or _endpoint(remote)
    facts = PbsFacts(PbsClient(server, f"{name} (as remote {remote.name})"), name)
    try:
        facts.version()
    except AuthenticationFailed as refused:
        c.error(
            "credentials",
            f"{_endpoint(remote)} refuses the remote's credentials `{remote.auth_id}` "
            f"({error_text(refused)}): the job would fail to authenticate",
            hint_authentication(remote.auth_id),
            remote.keys["password"],
        )
        return None
    except PbsError as error:
        c.cannot_check(
            "credentials", f"the remote's credentials `{remote.auth_id}`", error, remote.keys["password"]
        )
        return None
    c.ok("credentials", f"{_endpoint(remote)} accepts the remote's credentials `{remote.auth_id}`")
    return facts


def _check_token(c: JobCheck, remote: StackRemote, other: PbsFacts) -> bool:
    """The remote's token, looked up with the stack's login for the other server."""
    auth = parse_authid(remote.auth_id)
    fix = "deploy the stack (`pulumi up`)" if c.job.access_user or remote.password is None else ""
    try:
        user = other.user(auth.userid)
        token = other.token(auth.userid, auth.token) if auth.token else {}
    except PbsError as error:
        c.cannot_check("credentials", f"the remote's user `{auth.userid}`", error)
        return False
    now = time.time()
    for what, entry in ((f"user `{auth.userid}`", user), (f"token `{remote.auth_id}`", token)):
        if entry is None:
            c.error(
                "credentials",
                f"the remote's {what} does not exist on server `{other.name}`: the job would fail to "
                "authenticate",
                fix or f"create it on `{other.name}`",
                remote.keys["authId"],
            )
            return False
        if entry.get("enable") is False or entry.get("enable") == 0:
            c.error(
                "credentials",
                f"the remote's {what} is disabled on server `{other.name}`",
                "enable it",
                remote.keys["authId"],
            )
            return False
        expire = entry.get("expire")
        if isinstance(expire, int | float) and 0 < expire < now:
            c.error(
                "credentials",
                f"the remote's {what} expired on server `{other.name}`",
                "extend its `expire` (or set 0 for never)",
                remote.keys["authId"],
            )
            return False
    c.ok(
        "credentials", f"the remote's token `{remote.auth_id}` exists and is enabled on server `{other.name}`"
    )
    return True


def _privilege_key(c: JobCheck, missing_modify: bool) -> str:
    if c.job.section == REPLICATIONS_KEY:
        return f"{c.job.entry}.createNamespaces" if missing_modify else c.job.entry
    return ACLS_KEY


def _check_store(c: JobCheck, view: PbsFacts) -> bool | None:
    """The datastore and namespace on the other side; whether the namespace exists (None: unknown)."""
    shape, job = c.shape, c.job
    try:
        if shape.remote_store not in view.datastores():
            c.error(
                "datastore",
                f"datastore `{shape.remote_store}` does not exist on server `{view.name}` (or "
                f"`{view.auth_id}` cannot see it): the job would fail",
                f"create the datastore on `{view.name}` or correct the name",
                job.key_of("remoteStore"),
            )
            return None
        exists = view.namespace_exists(shape.remote_store, shape.remote_ns)
    except PbsError as error:
        c.cannot_check("datastore", f"datastore `{shape.remote_store}` on server `{view.name}`", error)
        return None
    c.ok("datastore", f"datastore `{shape.remote_store}` exists on server `{view.name}`")
    if exists:
        return True
    if job.direction == "pull":
        c.error(
            "namespace",
            f"the source namespace `{shape.remote_ns}` does not exist in datastore `{shape.remote_store}` "
            f"on server `{view.name}`: the job would fail",
            "correct the namespace the job pulls from",
            job.key_of("remoteNs"),
        )
    return False


def check_remote(c: JobCheck) -> RemoteSide | None:
    """Run the remote-side checks; the view of the other end for the content checks, if any."""
    remote = c.job.remote
    if remote is None:
        return None
    seen = _check_reach(c, remote)
    if seen is None:
        return None
    _check_fingerprint(c, remote, seen)
    as_remote = _as_remote(c, remote, seen)
    if remote.password is not None and as_remote is None:
        return None  # refused: the privileges cannot be read, and the run would fail anyway
    other = c.other
    if as_remote is None:
        if other is None:
            c.ok(
                "credentials",
                "the remote's credentials are not checked: its secret is not in the stack config",
            )
            return None
        if not _check_token(c, remote, other):
            return None
    view = other or as_remote
    assert view is not None
    exists = _check_store(c, view)
    if exists is None or (exists is False and c.job.direction == "pull"):
        return RemoteSide(view, view.name)
    asker = other or as_remote  # the stack's login may also ask about the token's user
    assert asker is not None
    for need in remote_needs(c.shape, remote_ns_exists=exists):
        modify = need.path == parent_path(c.shape.remote_store, c.shape.remote_ns) and not exists
        check_need(
            c,
            asker,
            remote.auth_id,
            need,
            who=f"the remote's `{remote.auth_id}`",
            check="remote-privileges",
            key=_privilege_key(c, modify),
        )
    if not exists and c.local is not None:  # a push creates the namespace: PBS asks the owner first
        owner = c.shape.effective_owner
        check_need(
            c,
            c.local,
            owner,
            owner_remote_namespace_need(c.shape),
            who=f"the job's owner `{owner}`",
            check="owner",
            key=c.job.key_of("owner"),
        )
    return RemoteSide(view, view.name)
