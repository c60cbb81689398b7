"""The one exception base of `pbs_types` (a value PBS would reject, worded as PBS words it), and
Rust's `{:?}` of a string, which several of PBS's messages embed."""

from __future__ import annotations

import unicodedata


class PbsValueError(ValueError):
    """A value PBS rejects; `str(err)` (and `err.message`) is PBS's own error text.

    The simulator answers with `message` verbatim (e.g. after
    `parameter verification failed - '<param>': `), the providers show it in `check` failures.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def rust_debug_str(value: str) -> str:
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
        elif not char.isprintable() or unicodedata.category(char) in ("Mn", "Me"):
            # Rust escapes what is not printable and grapheme extenders (combining marks)
            parts.append(f"\\u{{{ord(char):x}}}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)
