"""Constructed arguments for the policy validators: resources, args, and a violation recorder.

Props go through pulumi_policy's own unknown-checking proxy, as they do when the engine calls the
pack, so a test can put the SDK's "unknown during preview" sentinels into them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pbs_policy.resources import (
    API_TOKEN_TYPE,
    PRUNE_JOB_TYPE,
    REMOTE_TYPE,
    SYNC_JOB_TYPE,
    VERIFY_JOB_TYPE,
)
from pbs_policy.stack_facts import StackFacts, parse_servers
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, unknown_checking_proxy

__all__ = ["UNKNOWN_BOOLEAN_VALUE", "UNKNOWN_STRING_VALUE"]


def urn(resource_type: str, name: str, stack: str = "prod") -> str:
    return f"urn:pulumi:{stack}::pbs-replication::{resource_type}::{name}"


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def resource(
    resource_type: str, name: str, props: Mapping[str, Any], parent_type: str | None = None
) -> PolicyResource:
    """`parent_type`: the type of a component the resource is a child of (`pbs:index:Replication`)."""
    qualified = f"{parent_type}${resource_type}" if parent_type else resource_type
    return PolicyResource(
        resource_type,
        unknown_checking_proxy(dict(props)),
        urn(qualified, name),
        name,
        _options(),
        None,
        None,
        [],
        {},
    )


def sync_job(job_id: str, server: str = "onprem", **props: Any) -> PolicyResource:
    base = {"server": server, "jobId": job_id, "store": "store1", "remoteStore": "offsite"}
    return resource(SYNC_JOB_TYPE, job_id, {**base, **props})  # named by its key, as the program does


def push_job(job_id: str, remote: Any, server: str = "onprem", **props: Any) -> PolicyResource:
    return sync_job(job_id, server, syncDirection="push", remote=remote, **props)


def remote(name: str, host: str, server: str = "onprem", **props: Any) -> PolicyResource:
    base = {"server": server, "name": name, "host": host, "authId": f"sync-{name}@pbs!push", "password": "pw"}
    return resource(REMOTE_TYPE, name, {**base, **props})


def prune_job(name: str, server: str, store: str, **props: Any) -> PolicyResource:
    base = {"server": server, "jobId": name, "store": store, "schedule": "daily", "keepLast": 7}
    return resource(PRUNE_JOB_TYPE, name, {**base, **props})


def verify_job(name: str, server: str, store: str, **props: Any) -> PolicyResource:
    base = {"server": server, "jobId": name, "store": store, "schedule": "sat 03:00"}
    return resource(VERIFY_JOB_TYPE, name, {**base, **props})


def api_token(userid: str, token_name: str, server: str = "cloud", **props: Any) -> PolicyResource:
    base = {"server": server, "userid": userid, "tokenName": token_name}
    return resource(API_TOKEN_TYPE, f"{userid}!{token_name}", {**base, **props})


def resource_args(res: PolicyResource, config: Mapping[str, Any] | None = None) -> ResourceValidationArgs:
    """The args the engine passes a resource validation for `res`."""
    return ResourceValidationArgs(
        res.resource_type, res.props, res.urn, res.name, res.opts, None, dict(config or {})
    )


def stack_args(
    resources: list[PolicyResource], config: Mapping[str, Any] | None = None
) -> StackValidationArgs:
    return StackValidationArgs(resources, dict(config or {}))


def facts(servers: Mapping[str, Any], stack: str = "prod") -> StackFacts:
    """Stack facts as the pack would read them from a stack config with this `servers` map."""
    return StackFacts(stack=stack, servers=parse_servers(servers))


@dataclass
class Violations:
    """Records report_violation calls: (message, urn)."""

    reported: list[tuple[str, str | None]] = field(default_factory=list)

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.reported.append((message, urn))

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.reported]

    @property
    def urns(self) -> list[str | None]:
        return [u for _, u in self.reported]


def check_resource(
    policy: Policy, res: PolicyResource, config: Mapping[str, Any] | None = None
) -> Violations:
    """Runs a resource validation policy on one resource and returns what it reported."""
    violations = Violations()
    policy.validate(resource_args(res, config), violations)  # type: ignore[attr-defined]
    return violations


def check_stack(
    policy: Policy, resources: list[PolicyResource], config: Mapping[str, Any] | None = None
) -> Violations:
    """Runs a stack validation policy over `resources` and returns what it reported."""
    violations = Violations()
    policy.validate(stack_args(resources, config), violations)  # type: ignore[attr-defined]
    return violations
