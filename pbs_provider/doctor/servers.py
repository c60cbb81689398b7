"""Check every server of the stack: configured, reachable, its certificate accepted, credentials valid.

`GET /version` needs a valid login (PBS's `Anybody` permission), so one cheap call answers all of it.
A failure names the config key to change: `servers.<name>.url` when the server cannot be reached,
`servers.<name>.fingerprint` (or `caFile`) when its certificate is refused, `serverSecrets.<name>`
(or `servers.<name>.authId`) when the credentials are refused.
"""

from __future__ import annotations

from pbs_provider.client import AuthenticationFailed, ConnectionFailed, PbsError, TlsMismatch, client_for
from pbs_provider.doctor.context import error_text
from pbs_provider.doctor.facts import PbsFacts
from pbs_provider.doctor.findings import ERROR, OK, Finding
from pbs_provider.servers import SECRETS_KEY, SERVERS_KEY, ServerDirectory


def _failure_key(name: str, error: PbsError, servers: ServerDirectory) -> str:
    entry = servers.entries[name]
    if isinstance(error, TlsMismatch):
        return f"{SERVERS_KEY}.{name}.{'caFile' if entry.ca_file else 'fingerprint'}"
    if isinstance(error, ConnectionFailed):
        return f"{SERVERS_KEY}.{name}.url"
    if isinstance(error, AuthenticationFailed):
        return f"{SECRETS_KEY}.{name}"
    return f"{SERVERS_KEY}.{name}.authId"


def check_servers(servers: ServerDirectory) -> tuple[list[Finding], dict[str, PbsFacts | None]]:
    """One finding per server, and the facts reader of each usable one."""
    findings: list[Finding] = []
    usable: dict[str, PbsFacts | None] = {}
    for name in servers.names():
        subject = f"server {name}"
        problem = servers.problem(name)
        if problem is not None:
            key = f"{SECRETS_KEY}.{name}" if problem.startswith("no secret") else f"{SERVERS_KEY}.{name}"
            findings.append(Finding(ERROR, subject, problem, key=key, check="server"))
            usable[name] = None
            continue
        facts = PbsFacts(client_for(name, servers.server_config(name)), name)
        try:
            version = facts.version()
        except PbsError as error:
            findings.append(
                Finding(
                    ERROR,
                    subject,
                    f"cannot log in as `{facts.auth_id}`: {error_text(error)}",
                    error.hint or "",
                    _failure_key(name, error, servers),
                    "server",
                )
            )
            usable[name] = None
            continue
        findings.append(
            Finding(OK, subject, f"reachable, `{facts.auth_id}` logged in, PBS {version}", check="server")
        )
        usable[name] = facts
    return findings, usable
