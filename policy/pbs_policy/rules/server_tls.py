"""Rule: no server in the stack config has `verifyTls: false` (disabled in dev's policy config).

With verification off the providers send the API token to whoever answers at the server's URL.
Pin the certificate instead: `fingerprint` for PBS's self-signed certificate, `caFile` for a
private CA. Servers are stack config, not resources, so the rule reads them from the stack facts
(the pack sees the stack config) and reports against the stack as a whole.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy
from pulumi_policy.policy import StackValidation

from ..stack_facts import StackFactsReader

NAME = "server-tls-verified"
DESCRIPTION = "Every server in the stack config is reached with TLS verification (no verifyTls: false)."


def validator(read_facts: StackFactsReader) -> StackValidation:
    """The stack validation for the stack described by `read_facts()`."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        facts = read_facts()
        for server in sorted(facts.servers.values(), key=lambda s: s.name):
            if server.verify_tls:
                continue
            report(
                f"server '{server.name}' ({server.url or 'no url'}) in stack '{facts.stack}' has "
                "verifyTls: false, so its credentials go to whoever answers at that address. Remove "
                f"it and set servers.{server.name}.fingerprint (the certificate's SHA-256, shown by "
                f"the PBS dashboard) or servers.{server.name}.caFile."
            )

    return validate


def policy(read_facts: StackFactsReader) -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=DESCRIPTION,
        validate=validator(read_facts),
        enforcement_level=EnforcementLevel.MANDATORY,
    )
