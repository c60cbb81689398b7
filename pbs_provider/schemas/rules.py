"""Rules that involve more than one field, and value-dependent PBS version requirements.

A schema model marks a method with `@cross_field_rule("field_a", "field_b")`; the method gets
the validated model and returns (or yields) `Failure`s. The rule is skipped when any field it
reads is unknown (a preview value not computed yet) or already invalid on its own, so a preview
never fails on a value it cannot see and no field is blamed twice.

`VersionRequirement` says that something in a config needs a minimum PBS version; the provider
compares it with the server's `GET /version` and fails the check with "`x` needs PBS ≥ v".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pbs_types.ids import InvalidId, check_namespace_max_depth

from .messages import Failure

RULE_MARKER = "__pbs_cross_field_rule__"

RuleResult = Failure | Iterable[Failure] | None


@dataclass(frozen=True)
class CrossFieldRule:
    """A rule method and the fields (Python names) it reads."""

    reads: tuple[str, ...]
    check: Callable[[Any], RuleResult]

    def run(self, model: Any) -> list[Failure]:
        result = self.check(model)
        if result is None:
            return []
        if isinstance(result, Failure):
            return [result]
        return list(result)


def cross_field_rule(*reads: str) -> Callable[[Callable[[Any], RuleResult]], Callable[[Any], RuleResult]]:
    """Mark a schema method as a rule over the fields `reads` (Python names)."""

    def mark(method: Callable[[Any], RuleResult]) -> Callable[[Any], RuleResult]:
        setattr(method, RULE_MARKER, tuple(reads))
        return method

    return mark


@dataclass(frozen=True)
class VersionRequirement:
    """`what` (a phrase naming the input) needs PBS `since` or newer; the failure goes to `field`."""

    field: str
    what: str
    since: str


def max_depth_failure(label: str, ns: str | None, max_depth: int | None) -> Failure | None:
    """`maxDepth` below namespace `ns` (input `label`) must stay within PBS's 7 levels."""
    if max_depth is None:
        return None
    try:
        check_namespace_max_depth(ns or "", max_depth)
    except InvalidId as error:
        return Failure("maxDepth", f"`maxDepth` is too large for `{label}`: {error.message} (max 7 levels)")
    return None
