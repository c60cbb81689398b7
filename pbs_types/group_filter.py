"""Sync-job group filters (`group-filter`): parse, normalise, match backup groups.

A port of pbs-api-types' `GroupFilter`/`FilterType` and `BackupGroup::apply_filters`:

    filter := [ "include:" | "exclude:" ] ( "type:" <vm|ct|host>
                                          | "group:" <type>/<backup-id>
                                          | "regex:" <regex, unanchored, on "<type>/<id>"> )

PBS prints a filter without `include:` (`include:type:vm` comes back as `type:vm`), so
`normalize_group_filter` gives the form to compare against. A group passes a list of filters
if there are no include filters or it matches at least one, and it matches no exclude filter.

Regexes: PBS uses the Rust `regex` crate, this module Python's `re`. Accepted differences:
lookaround and backreferences (which Rust rejects) are rejected here too with Rust's message,
`(?<name>...)` is translated to Python's `(?P<name>...)`, and `\\z` to `\\Z`; Rust-only syntax
such as `\\p{L}`, `[[:alpha:]]` or flags in the middle of a pattern is not translated (it is
rejected or matches differently), and compile errors are worded by Python after PBS's
`regex parse error:` heading.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from .errors import PbsValueError
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

# Rust regex constructs that Python's `re` would accept: (start, Rust's message).
_UNSUPPORTED = (
    ("(?=", "look-around, including look-ahead and look-behind, is not supported"),
    ("(?!", "look-around, including look-ahead and look-behind, is not supported"),
    ("(?<=", "look-around, including look-ahead and look-behind, is not supported"),
    ("(?<!", "look-around, including look-ahead and look-behind, is not supported"),
    ("(?P=", "backreferences are not supported"),
    ("(?>", "unrecognized flag"),
    ("(?(", "unrecognized flag"),
    ("(?#", "unrecognized flag"),
)
# Rust parses `\0`-`\7` as (unsupported) backreferences, in and outside classes.
_BACKREFERENCE = re.compile(r"\\[0-7]")
_BAD_DIGIT_ESCAPE = re.compile(r"\\[89]")


def _regex_error(pattern: str, position: int, width: int, message: str) -> GroupFilterError:
    """The shape of a Rust `regex::Error::Syntax` text."""
    return GroupFilterError(
        f"regex parse error:\n    {pattern}\n    {' ' * position}{'^' * max(width, 1)}\nerror: {message}"
    )


def _to_python_regex(pattern: str) -> str:
    """Translate the few Rust-only spellings; reject what Rust rejects but Python accepts."""
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escape = pattern[index : index + 2]
            if _BACKREFERENCE.fullmatch(escape):
                raise _regex_error(pattern, index, 2, "backreferences are not supported")
            if _BAD_DIGIT_ESCAPE.fullmatch(escape):
                raise _regex_error(pattern, index, 2, "unrecognized escape sequence")
            out.append("\\Z" if escape == "\\z" and not in_class else escape)
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            out.append(char)
            index += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            index += 1
            # a `]` right after `[` or `[^` is a literal
            for prefix in ("^]", "]", "^"):
                if pattern.startswith(prefix, index):
                    out.append(prefix)
                    index += len(prefix)
                    break
            continue
        for start, message in _UNSUPPORTED:
            if pattern.startswith(start, index):
                raise _regex_error(pattern, index, len(start), message)
        if pattern.startswith("(?<", index):
            out.append("(?P<")
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_filter_regex(pattern: str) -> re.Pattern[str]:
    """Compile a `regex:` filter body as PBS would accept it (raises `GroupFilterError`)."""
    translated = _to_python_regex(pattern)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarning about nested sets
            return re.compile(translated)
    except re.error as err:
        position = err.pos if err.pos is not None else 0
        raise _regex_error(pattern, min(position, len(pattern)), 1, err.msg) from None


def _rust_debug_str(value: str) -> str:
    """Rust's `{:?}` of a `&str` (quotes, `\\"`, `\\\\`, `\\n`-style and `\\u{..}` escapes)."""
    parts = ['"']
    for char in value:
        if char in '"\\':
            parts.append("\\" + char)
        elif char == "\n":
            parts.append("\\n")
        elif char == "\r":
            parts.append("\\r")
        elif char == "\t":
            parts.append("\\t")
        elif char == "\0":
            parts.append("\\0")
        elif not char.isprintable():
            parts.append(f"\\u{{{ord(char):x}}}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


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
                raise GroupFilterError(f"invalid backup type {_rust_debug_str(value)}")
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
        return compile_filter_regex(self.value).search(group) is not None


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
