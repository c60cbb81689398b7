"""Sync-job group filters (`group-filter`): parse, normalise, match backup groups.

A port of pbs-api-types' `GroupFilter`/`FilterType` and `BackupGroup::apply_filters`:

    filter := [ "include:" | "exclude:" ] ( "type:" <vm|ct|host>
                                          | "group:" <type>/<backup-id>
                                          | "regex:" <regex, unanchored, on "<type>/<id>"> )

PBS prints a filter without `include:` (`include:type:vm` comes back as `type:vm`), so
`normalize_group_filter` gives the form to compare against. A group passes a list of filters
if there are no include filters or it matches at least one, and it matches no exclude filter.

Regexes: PBS compiles `regex:` bodies with the Rust `regex` crate (`Regex::new`, default size
limit); so does this module, through `paula`, a Python binding of that crate. The dialect, the
accepted and refused patterns, the size limit, the error texts and the matching (`is_match`,
unanchored) are therefore the crate's own, not an imitation with Python's `re`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import paula

from .errors import PbsValueError, rust_debug_str
from .ids import BACKUP_TYPES, parse_backup_group
from .rules import StringRule


class GroupFilterError(PbsValueError):
    """A group filter PBS rejects (message as PBS gives it)."""


class FilterKind(Enum):
    """What a filter looks at: the backup type, the whole group, or a regex on `<type>/<id>`."""

    TYPE = "type"
    GROUP = "group"
    REGEX = "regex"


_FORMAT_HINT = "input doesn't match expected format '<group:GROUP||type:<vm|ct|host>|regex:REGEX>'"


@lru_cache(maxsize=512)
def compile_filter_regex(pattern: str) -> paula.Regex:
    """Compile a `regex:` filter body as PBS does (`Regex::new`; raises `GroupFilterError`).

    The message is the crate's `Display` of its error, as PBS answers it (`regex parse
    error:` with the pattern and a caret line, or `Compiled regex exceeds size limit ...`).
    """
    try:
        return paula.Regex(pattern)
    except ValueError as err:
        raise GroupFilterError(str(err)) from None


@dataclass(frozen=True)
class GroupFilter:
    """One parsed filter; `str()` is PBS's normalised form (no `include:`)."""

    kind: FilterKind
    value: str
    exclude: bool = False

    @classmethod
    def parse(cls, text: str) -> GroupFilter:
        """Parse like `GroupFilter::from_str`, with PBS's error texts."""
        head, sep, rest = text.partition(":")
        exclude = False
        body = text
        if sep and head in ("include", "exclude"):
            exclude = head == "exclude"
            body = rest
        kind_text, sep, value = body.partition(":")
        if not sep:
            raise GroupFilterError(_FORMAT_HINT)
        if kind_text == "group":
            try:
                parse_backup_group(value)
            except PbsValueError:
                raise GroupFilterError("value does not match the regex pattern") from None
            return cls(FilterKind.GROUP, value, exclude)
        if kind_text == "type":
            if value not in BACKUP_TYPES:
                raise GroupFilterError(f"invalid backup type {rust_debug_str(value)}")
            return cls(FilterKind.TYPE, value, exclude)
        if kind_text == "regex":
            compile_filter_regex(value)
            return cls(FilterKind.REGEX, value, exclude)
        raise GroupFilterError(f"expected 'group', 'type' or 'regex' prefix, got '{kind_text}'")

    def __str__(self) -> str:
        prefix = "exclude:" if self.exclude else ""
        return f"{prefix}{self.kind.value}:{self.value}"

    def matches(self, group: str) -> bool:
        """True if the backup group `"<type>/<id>"` matches (ignoring include/exclude)."""
        backup_type, _backup_id = parse_backup_group(group)
        if self.kind is FilterKind.TYPE:
            return backup_type == self.value
        if self.kind is FilterKind.GROUP:
            return group == self.value
        return compile_filter_regex(self.value).is_match(group)


def parse_group_filter(text: str) -> GroupFilter:
    """Shortcut for `GroupFilter.parse`."""
    return GroupFilter.parse(text)


def verify_group_filter(text: str) -> None:
    """The `VerifyFn` of PBS's group-filter schema."""
    GroupFilter.parse(text)


def normalize_group_filter(text: str) -> str:
    """The form PBS stores and returns (`include:type:vm` -> `type:vm`)."""
    return str(GroupFilter.parse(text))


def normalize_group_filters(texts: Iterable[str]) -> list[str]:
    """`normalize_group_filter` over a list, order kept (PBS keeps the order)."""
    return [normalize_group_filter(text) for text in texts]


def apply_group_filters(group: str, filters: Iterable[GroupFilter | str]) -> bool:
    """`BackupGroup::apply_filters`: is `group` (`"vm/100"`) selected by `filters`?"""
    parsed = [f if isinstance(f, GroupFilter) else GroupFilter.parse(f) for f in filters]
    includes = [f for f in parsed if not f.exclude]
    included = not includes or any(f.matches(group) for f in includes)
    return included and not any(f.matches(group) for f in parsed if f.exclude)


GROUP_FILTER_RULE = StringRule(
    "Group filter based on group identifier ('group:GROUP'), group type ('type:<vm|ct|host>'), "
    "or regex ('regex:RE'). Can be inverted by prepending 'exclude:'.",
    verify=verify_group_filter,
)
