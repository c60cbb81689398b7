"""Validation messages: pydantic's error details rephrased as "`field` <rule>" for people.

Messages name the Pulumi input and the rule that failed, in the words of PBS's schema checks
("must be 3-32 characters", "must be at most 7"). For secret fields the offending value is never
quoted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic_core import ErrorDetails


@dataclass(frozen=True)
class Failure:
    """One failed rule: the Pulumi input it is about and a sentence saying what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # numbers travel as doubles over gRPC; the user wrote an integer
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _length(value: Any) -> str:
    try:
        return f" (got {len(value)})"
    except TypeError:
        return ""


def describe_error(error: ErrorDetails, *, secret: bool) -> str:
    """The rule an error breaks, as a phrase to put after the field name."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = "" if secret else f" (got {_shown(value)})"
    if kind == "missing":
        return "is required"
    if kind == "string_too_short":
        return f"must be at least {ctx['min_length']} characters long{_length(value)}"
    if kind == "string_too_long":
        return f"may be at most {ctx['max_length']} characters long{_length(value)}"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} item(s){_length(value)}"
    if kind == "too_long":
        return f"may have at most {ctx['max_length']} items{_length(value)}"
    if kind == "string_pattern_mismatch":
        return f"does not match the pattern {ctx['pattern']}{got}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"must be {'at least' if kind.endswith('equal') else 'more than'} {bound}{got}"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"must be {'at most' if kind.endswith('equal') else 'less than'} {bound}{got}"
    if kind == "int_from_float":
        return f"must be a whole number{got}"
    if kind in ("int_type", "int_parsing"):
        return f"must be an integer{got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false{got}"
    if kind in ("string_type", "string_sub_type"):
        return f"must be a string{got}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a map of settings{got}"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"must be a number{got}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list{got}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}{got}"
    if kind == "extra_forbidden":
        return "is not an input of this resource"
    # value_error and custom errors: the validator's own sentence (it never quotes secrets).
    message = error["msg"]
    prefix = "Value error, "
    return message[len(prefix) :] if message.startswith(prefix) else message


_PREDICATES = frozenset({"must", "may", "is", "does", "needs"})


def field_failure(input_name: str, error: ErrorDetails, *, secret: bool) -> Failure:
    """A `Failure` for one pydantic error of a single field validated on its own."""
    where = f"`{input_name}`"
    item = [part for part in error.get("loc", ()) if isinstance(part, int)]
    if item:
        where += f" item {item[0] + 1}"
    phrase = describe_error(error, secret=secret)
    # "`port` must be ...", but "`schedule`: unable to parse ..." for PBS's own sentences.
    separator = " " if phrase.split(" ", 1)[0] in _PREDICATES else ": "
    return Failure(input_name, f"{where}{separator}{phrase}")


def closest(key: str, known: Iterable[str]) -> str | None:
    """The known name a mistyped `key` most likely meant (`schedul` → `schedule`), or None."""
    candidates = sorted(set(known))
    same_case = [c for c in candidates if c.lower() == key.lower()]
    if same_case:  # a key typed in another case (`JobId`, `syncjobs`)
        return same_case[0]

    def score(candidate: str) -> tuple[float, int]:
        # difflib's similarity (as `get_close_matches`), ties to the longer common start
        # (`hostname` → `host`, not `name`)
        ratio = difflib.SequenceMatcher(None, key.lower(), candidate.lower()).ratio()
        prefix = next(
            (i for i, (a, b) in enumerate(zip(key.lower(), candidate.lower(), strict=False)) if a != b),
            min(len(key), len(candidate)),
        )
        return ratio, prefix

    scored = [(score(c), c) for c in candidates]
    best = max((s for s in scored if s[0][0] >= 0.6), default=None)
    return best[1] if best else None


def did_you_mean(key: str, known: Iterable[str]) -> str:
    """` (did you mean `schedule`?)` for a mistyped key, or "" when nothing is close."""
    match = closest(key, known)
    return f" (did you mean `{match}`?)" if match else ""
