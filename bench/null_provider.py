"""A dynamic provider that does nothing: what Pulumi's SDK and gRPC cost per RPC on their own.

Section 8 of the bench serves the engine's steps for sync jobs through this provider in the same
plugin process as the real one. It answers with the properties it was given (no validation, no
HTTP, no state), so the plugin's CPU time per RPC is the SDK's work (unpickling is cached,
(de)serializing the properties, its event loop per RPC) plus gRPC's, for properties of the same
shape. It pickles by reference (`bench.null_provider.NullProvider`), as the project's providers do,
and the plugin imports it from the project directory, its working directory.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

PROVIDER_KEY = "__provider"


def _props(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != PROVIDER_KEY}


class NullProvider(ResourceProvider):
    """Check passes the inputs through, Create and Update echo them, Diff sees no change."""

    serialize_as_secret_always = False

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(props.get("jobId", "null")), _props(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, _props(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_props(news))

    def delete(self, _id: str, _props_: dict[str, Any]) -> None:
        return None
