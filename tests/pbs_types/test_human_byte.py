"""HumanByte: the test vectors of proxmox-human-byte plus properties of normalisation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbs_types.human_byte import (
    HUMAN_BYTE_RULE,
    HumanByte,
    HumanByteError,
    SizeUnit,
    human_bytes_equal,
    normalize_human_byte,
    parse_human_byte,
    stored_human_byte,
)
from pbs_types.rules import SchemaViolation


# `test_human_byte_parser` of proxmox-human-byte: input, size, unit, printed form.
@pytest.mark.parametrize(
    ("text", "size", "unit", "printed"),
    [
        ("14", 14.0, SizeUnit.BYTE, "14 B"),
        ("14.4", 14.4, SizeUnit.BYTE, "14.4 B"),
        ("14.45", 14.45, SizeUnit.BYTE, "14.45 B"),
        ("14.456", 14.456, SizeUnit.BYTE, "14.456 B"),
        ("14.4567", 14.4567, SizeUnit.BYTE, "14.457 B"),
        ("987654321", 987654321.0, SizeUnit.BYTE, "987654321 B"),
        ("1300b", 1300.0, SizeUnit.BYTE, "1300 B"),
        ("1300B", 1300.0, SizeUnit.BYTE, "1300 B"),
        ("1300 B", 1300.0, SizeUnit.BYTE, "1300 B"),
        ("1300 b", 1300.0, SizeUnit.BYTE, "1300 B"),
        ("1.5KB", 1.5, SizeUnit.KB, "1.5 KB"),
        ("1.5kb", 1.5, SizeUnit.KB, "1.5 KB"),
        ("1.654321MB", 1.654321, SizeUnit.MB, "1.654 MB"),
        ("2.0GB", 2.0, SizeUnit.GB, "2 GB"),
        ("1.4TB", 1.4, SizeUnit.TB, "1.4 TB"),
        ("1.4tb", 1.4, SizeUnit.TB, "1.4 TB"),
        ("2KiB", 2.0, SizeUnit.KIB, "2 KiB"),
        ("2Ki", 2.0, SizeUnit.KIB, "2 KiB"),
        ("2kib", 2.0, SizeUnit.KIB, "2 KiB"),
        ("2.3454MiB", 2.3454, SizeUnit.MIB, "2.345 MiB"),
        ("2.3456MiB", 2.3456, SizeUnit.MIB, "2.346 MiB"),
        ("4gib", 4.0, SizeUnit.GIB, "4 GiB"),
        # from `proxmox-human-byte` and the quirks kept on purpose
        ("20MiB", 20.0, SizeUnit.MIB, "20 MiB"),
        ("10M", 10.0, SizeUnit.MB, "10 MB"),
        ("10 mb", 10.0, SizeUnit.MB, "10 MB"),
        ("1PB", 1.0, SizeUnit.PB, "1 PB"),
        ("3pi", 3.0, SizeUnit.PIB, "3 PiB"),
        ("10i", 10.0, SizeUnit.BYTE, "10 B"),
        (".5K", 0.5, SizeUnit.KB, "0.5 KB"),
        ("5.M", 5.0, SizeUnit.MB, "5 MB"),
        ("1e3", 1000.0, SizeUnit.BYTE, "1000 B"),
        ("1e21", 1e21, SizeUnit.BYTE, "1000000000000000000000 B"),
        ("0.0001", 0.0001, SizeUnit.BYTE, "0 B"),
        ("0.0005", 0.0005, SizeUnit.BYTE, "0.001 B"),
        ("+7", 7.0, SizeUnit.BYTE, "7 B"),
        ("-0", -0.0, SizeUnit.BYTE, "-0 B"),
        ("inf", math.inf, SizeUnit.BYTE, "inf B"),
    ],
)
def test_pbs_vectors(text, size, unit, printed):
    value = parse_human_byte(text)
    assert value.size == size
    assert value.unit is unit
    assert str(value) == printed
    assert normalize_human_byte(text) == printed


def test_nan_is_accepted_like_rust_f64():
    assert normalize_human_byte("NaN") == "NaN B"
    assert normalize_human_byte("nan B") == "NaN B"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-10", "byte size may not be negative"),
        ("-1.5KiB", "byte size may not be negative"),
        ("-inf", "byte size may not be negative"),
        ("B", "cannot parse float from empty string"),
        ("Ki", "cannot parse float from empty string"),
        (" 10", "invalid float literal"),
        ("10X", "invalid float literal"),
        ("2KIB", "invalid float literal"),  # the `i` must be lower case
        ("10Bb", "invalid float literal"),
        ("1_000", "invalid float literal"),
        ("0x10", "invalid float literal"),
        ("\u0661\u0660", "invalid float literal"),  # Python's float() would take Arabic-Indic digits
        ("10\u212a", "invalid float literal"),  # Kelvin sign is not 'K'
        (".", "invalid float literal"),
        ("1e", "invalid float literal"),
    ],
)
def test_rejections_use_pbs_message(text, reason):
    with pytest.raises(HumanByteError) as err:
        parse_human_byte(text)
    assert str(err.value) == f"byte-size parse error for '{text}': {reason}"


def test_schema_checks_length_before_parsing():
    with pytest.raises(SchemaViolation, match=r"^value must be at least 1 characters long$"):
        HUMAN_BYTE_RULE.check("")
    with pytest.raises(SchemaViolation, match=r"^value may only be 64 characters long$"):
        HUMAN_BYTE_RULE.check("1" * 65)
    with pytest.raises(HumanByteError):
        HUMAN_BYTE_RULE.check("ten")
    assert HUMAN_BYTE_RULE.check("10MiB") == "10MiB"


def test_equality_by_value():
    assert human_bytes_equal("10MiB", "10 MiB")
    assert human_bytes_equal("10mib", "10485760")
    assert human_bytes_equal("1000KB", "1MB")
    assert not human_bytes_equal("10MB", "10MiB")
    assert not human_bytes_equal("1.5KB", "1.6KB")
    # what PBS stores is rounded to 3 decimals, so these end up equal on the server
    assert human_bytes_equal("1.654321MB", "1.654 MB")
    assert len({parse_human_byte("2KiB"), parse_human_byte("2048"), parse_human_byte("2 kib")}) == 1


def test_bytes_is_size_times_factor():
    assert parse_human_byte("2KiB").bytes == 2048.0
    assert parse_human_byte("1.5 KB").bytes == 1500.0


# --- properties ------------------------------------------------------------------------

units = st.sampled_from(
    ["", "B", "b", "K", "KB", "kb", "Ki", "KiB", "kib", "M", "MiB", "G", "GiB", "T", "P", "PiB"]
)
numbers = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
spaces = st.sampled_from(["", " ", "  "])


@given(numbers, spaces, units)
def test_normalise_is_idempotent(number, space, unit):
    text = f"{number!r}{space}{unit}"
    once = normalize_human_byte(text)
    assert normalize_human_byte(once) == once


@given(numbers, spaces, units)
def test_parse_of_printed_equals_original(number, space, unit):
    value = parse_human_byte(f"{number!r}{space}{unit}")
    reparsed = parse_human_byte(str(value))
    assert reparsed == value
    assert reparsed.unit is value.unit


@given(numbers, units)
def test_printed_form_has_at_most_three_decimals(number, unit):
    printed = str(parse_human_byte(f"{number!r}{unit}"))
    digits, symbol = printed.split(" ")
    assert symbol in {u.symbol for u in SizeUnit}
    assert "e" not in digits.lower()
    assert len(digits.partition(".")[2]) <= 3


@given(st.integers(min_value=0, max_value=2**40))
def test_plain_integers_keep_their_value(count):
    assert parse_human_byte(str(count)) == HumanByte(float(count), SizeUnit.BYTE)
    assert str(parse_human_byte(str(count))) == f"{count} B"


@pytest.mark.parametrize(("text", "stored"), [("10MiB", "10 MiB"), ("9" * 60, "1" + "0" * 60 + " B")])
def test_stored_form_within_the_schema(text, stored):
    assert stored_human_byte(text) == stored


@pytest.mark.parametrize("text", ["1e100", "1e62"])
def test_a_stored_form_over_64_characters_cannot_be_saved(text):
    assert HUMAN_BYTE_RULE.is_valid(text)  # the API accepts it ...
    with pytest.raises(HumanByteError, match="PBS refuses to save more than 64"):
        stored_human_byte(text)  # ... but PBS's config writer refuses its printed form
