"""The policy pack's contents: every rule, with its default enforcement level.

Defaults are what a stack gets without a policy config file. Each stack's file in
`policy/config/<stack>.json` (passed with `--policy-pack-config`) sets the levels in force for that
stack: dev relaxes, prod tightens. See docs/reviewing-changes.md for the table.
"""

from __future__ import annotations

from pulumi_policy import Policy

from .rules import (
    cloud_rate_limit,
    dedicated_push_remote,
    job_schedule,
    push_remove_vanished,
    remote_fingerprint,
    server_tls,
    target_retention,
    token_expiry,
)
from .stack_facts import StackFactsReader, read_stack_facts

PACK_NAME = "pbs-replication-practice"


def build_policies(read_facts: StackFactsReader = read_stack_facts) -> list[Policy]:
    """Every rule of the pack; the rules that need the stack config read it through `read_facts`."""
    return [
        dedicated_push_remote.policy(),
        push_remove_vanished.policy(),
        job_schedule.policy(),
        cloud_rate_limit.policy(),
        server_tls.policy(read_facts),
        remote_fingerprint.policy(read_facts),
        token_expiry.policy(),
        target_retention.policy(read_facts),
    ]
