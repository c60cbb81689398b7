"""PBS's schema constraints for strings and integers, with PBS's own error texts.

A port of the checks in proxmox-schema's `StringSchema::check_constraints` and
`IntegerSchema::check_constraints`: length first (counted in characters), then the format
(a regex that must match the whole value, or a verify function), with the exact messages
PBS prints (`value must be at least 3 characters long`, `value does not match the regex
pattern`, `value must have a minimum value of 1 (got 0)`, ...).

Patterns are written for Python's `re` and always applied with `fullmatch`, because Rust's
`^...$` anchors at the very end of the text (Python's `$` would also accept a trailing newline).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import PbsValueError


class SchemaViolation(PbsValueError):
    """A value breaks a string or integer schema constraint (length, pattern, bounds)."""


# Control characters as Rust's ASCII class `[:cntrl:]` defines them (regex class source).
CONTROL_CHARS = r"\x00-\x1f\x7f"

# The characters of Unicode White_Space: Rust's regex `\s` and what `str::trim` strips.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


@dataclass(frozen=True)
class StringRule:
    """One PBS string schema: optional length bounds plus a pattern or a verify function.

    `pattern` is Python regex source (full-match semantics); `verify` raises a `PbsValueError`
    with PBS's message, like the `ApiStringFormat::VerifyFn` formats (calendar events,
    HumanByte, group filters).
    """

    description: str
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    verify: Callable[[str], object] | None = None
    _compiled: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self.pattern is not None:
            object.__setattr__(self, "_compiled", re.compile(self.pattern))

    def check(self, value: str) -> str:
        """Return `value` unchanged if PBS accepts it; raise `SchemaViolation` otherwise."""
        length = len(value)
        if self.min_length is not None and length < self.min_length:
            raise SchemaViolation(f"value must be at least {self.min_length} characters long")
        if self.max_length is not None and length > self.max_length:
            raise SchemaViolation(f"value may only be {self.max_length} characters long")
        if self._compiled is not None and self._compiled.fullmatch(value) is None:
            raise SchemaViolation("value does not match the regex pattern")
        if self.verify is not None:
            self.verify(value)
        return value

    def is_valid(self, value: str) -> bool:
        """True if `check` would accept `value`."""
        try:
            self.check(value)
        except PbsValueError:
            return False
        return True


@dataclass(frozen=True)
class IntegerRule:
    """One PBS integer schema: optional inclusive bounds."""

    description: str
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: int) -> int:
        """Return `value` unchanged if PBS accepts it; raise `SchemaViolation` otherwise."""
        if self.minimum is not None and value < self.minimum:
            raise SchemaViolation(f"value must have a minimum value of {self.minimum} (got {value})")
        if self.maximum is not None and value > self.maximum:
            raise SchemaViolation(f"value must have a maximum value of {self.maximum} (got {value})")
        return value

    def is_valid(self, value: int) -> bool:
        """True if `check` would accept `value`."""
        try:
            self.check(value)
        except PbsValueError:
            return False
        return True
