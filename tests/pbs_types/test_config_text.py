"""`pbs_types.config_text`: the section-config writer's and reader's value rules, as Rust has them."""

from __future__ import annotations

import pytest

from pbs_types.config_text import StoredValueError, check_storable, has_control, read_back, split_lines


@pytest.mark.parametrize(
    ("raw", "lines"),
    [
        ("", []),
        ("\n", [""]),
        ("a\nb\n", ["a", "b"]),
        ("a\nb", ["a", "b"]),
        ("a\r\nb\r\n", ["a", "b"]),
        ("a\n\nb", ["a", "", "b"]),
        ("a\r", ["a\r"]),  # a bare \r at the very end is no line ending
        ("a\u2028b\u2029c\x85d\x0be\x0cf\x1cg", ["a\u2028b\u2029c\x85d\x0be\x0cf\x1cg"]),
    ],
)
def test_split_lines_is_rusts_str_lines(raw, lines):
    assert split_lines(raw) == lines


@pytest.mark.parametrize(
    ("text", "trimmed"),
    [
        (" a ", "a"),
        ("\u00a0a\u3000", "a"),
        ("a\u2028", "a"),
        ("\u200ba\u200b", "\u200ba\u200b"),  # zero-width space is not White_Space
        ("\ufeffa", "\ufeffa"),
        ("\x1ca\x1f", "\x1ca\x1f"),  # Python's strip() would remove these; Rust's trim does not
    ],
)
def test_read_back_is_rusts_trim(text, trimmed):
    assert read_back(text) == trimmed


@pytest.mark.parametrize("char", ["\x00", "\x1f", "\x7f", "\x80", "\x85", "\x9f"])
def test_unicode_control_characters_are_not_storable(char):
    assert has_control(f"a{char}")
    with pytest.raises(StoredValueError, match=f"U\\+{ord(char):04X}"):
        check_storable(f"a{char}b")


@pytest.mark.parametrize("char", ["\xa0", "\u2028", "\u2029", "\u200b", "\ufeff", "ä"])
def test_other_characters_are_storable(char):
    assert check_storable(f"a{char}b") == f"a{char}b"
