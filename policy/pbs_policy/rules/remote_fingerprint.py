"""Rule: a remote whose target has a self-signed certificate carries a `fingerprint`.

A PBS remote without `fingerprint` verifies the target against the source PBS's system CAs; a
self-signed target (PBS's default certificate) then fails at the first sync, long after `up`.
A target counts as self-signed when this stack reaches it (same host and port) as a server with a
pinned `fingerprint` or with `verifyTls: false`, or when its host matches `selfSignedHosts`. A
fingerprint that is not known during preview (computed from the target) counts as set.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import StackValidation

from ..hosts import endpoint_of_remote, matches_any
from ..resources import RemoteView, config_key, is_set, remotes
from ..settings import settings_in_force, string_list
from ..stack_facts import StackFacts, StackFactsReader

NAME = "remote-fingerprint-for-self-signed-target"
DESCRIPTION = "A remote pointing at a PBS with a self-signed certificate pins it with a fingerprint."
CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "selfSignedHosts": string_list(
            "Remote hosts (globs) with self-signed certificates that this stack does not manage as servers."
        ),
    }
)


def _why_self_signed(remote: RemoteView, facts: StackFacts, self_signed_hosts: list[str]) -> str | None:
    """Why the remote's target is taken as self-signed, or None if it is not."""
    assert remote.host is not None
    endpoint = endpoint_of_remote(remote.host, remote.port)
    server = facts.server_at(endpoint)
    if server is not None and server.self_signed:
        how = "a pinned fingerprint" if server.fingerprint else "verifyTls: false"
        return f"this stack reaches {endpoint} as server '{server.name}' with {how}"
    if matches_any(remote.host, self_signed_hosts):
        return f"{remote.host} is listed in {NAME}.selfSignedHosts"
    return None


def validator(read_facts: StackFactsReader) -> StackValidation:
    """The stack validation, judging targets by the servers in `read_facts()`."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        facts = read_facts()
        self_signed_hosts = settings_in_force(args, CONFIG_SCHEMA)["selfSignedHosts"]
        for remote in remotes(args.resources):
            if is_set(remote.fingerprint) or remote.host is None:
                continue
            reason = _why_self_signed(remote, facts, self_signed_hosts)
            if reason is None:
                continue
            report(
                f"remote '{remote.name}' on server '{remote.server}' has no fingerprint, but its target "
                f"has a self-signed certificate ({reason}); the first sync would fail the TLS check. "
                f"Set {config_key(remote.urn, 'fingerprint')} to the target's certificate fingerprint.",
                remote.urn,
            )

    return validate


def policy(read_facts: StackFactsReader) -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validator(read_facts),
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=CONFIG_SCHEMA,
    )
