"""HumanByte sizes (`rate-in`, `burst-out`, ...): parse, print as PBS prints, compare by value.

A port of proxmox-human-byte: the input is a non-negative Rust `f64` literal, optional
whitespace, an optional unit (none/`B`, SI `K M G T P` = 1000^n, IEC `Ki Mi Gi Ti Pi` = 1024^n;
unit letters case-insensitive, the `i` lower-case only, a trailing `b`/`B` optional). PBS
stores and returns the value re-printed as `"<number> <unit>"` with at most 3 decimals
(`20MiB` -> `20 MiB`, `1300b` -> `1300 B`, `1.654321MB` -> `1.654 MB`, `2.0GB` -> `2 GB`), so
a diff must compare `HumanByte`s (equal when PBS would keep the same byte count), not strings.

Quirks kept from PBS: `inf` and `nan` parse (Rust's float grammar), `-0` is accepted and
printed `-0 B`, and `10i`/`10 iB` mean 10 bytes (the `i` is stripped before the unit letter).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from .errors import PbsValueError
from .rules import RUST_WHITESPACE, StringRule


class HumanByteError(PbsValueError):
    """A value that is not a HumanByte (message as `verify_human_byte` words it)."""


class SizeUnit(Enum):
    """PBS's size units: the printed symbol and the factor in bytes."""

    BYTE = ("B", 1)
    KB = ("KB", 1000)
    MB = ("MB", 1000**2)
    GB = ("GB", 1000**3)
    TB = ("TB", 1000**4)
    PB = ("PB", 1000**5)
    KIB = ("KiB", 1024)
    MIB = ("MiB", 1024**2)
    GIB = ("GiB", 1024**3)
    TIB = ("TiB", 1024**4)
    PIB = ("PiB", 1024**5)

    def __init__(self, symbol: str, factor: int) -> None:
        self.symbol = symbol
        self.factor = factor


_SI_UNITS = {"K": SizeUnit.KB, "M": SizeUnit.MB, "G": SizeUnit.GB, "T": SizeUnit.TB, "P": SizeUnit.PB}
_IEC_UNITS = {"K": SizeUnit.KIB, "M": SizeUnit.MIB, "G": SizeUnit.GIB, "T": SizeUnit.TIB, "P": SizeUnit.PIB}
# Unit letters match in ASCII upper or lower case only (no Unicode case folding).
_SI_UNITS.update({letter.lower(): unit for letter, unit in list(_SI_UNITS.items())})
_IEC_UNITS.update({letter.lower(): unit for letter, unit in list(_IEC_UNITS.items())})

# Rust's `f64::from_str` grammar (case-insensitive): no whitespace, no `_`, ASCII digits only.
_RUST_F64 = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?)",
    re.IGNORECASE,
)


def _parse_rust_f64(text: str) -> float:
    if text == "":
        raise ValueError("cannot parse float from empty string")
    if _RUST_F64.fullmatch(text) is None:
        raise ValueError("invalid float literal")
    return float(text)


def _strip_unit(text: str) -> tuple[str, SizeUnit]:
    """`strip_unit` of proxmox-human-byte: drop `b`/`B`, then `i`, then one unit letter."""
    if text[-1:] in ("b", "B"):
        text = text[:-1]
    binary = text.endswith("i")
    if binary:
        text = text[:-1]
    unit = (_IEC_UNITS if binary else _SI_UNITS).get(text[-1:])
    if unit is not None:
        text = text[:-1]
    return text.rstrip(RUST_WHITESPACE), unit or SizeUnit.BYTE  # Rust `trim_end`


def _round_half_away_from_zero(value: float) -> float:
    """Rust's `f64::round`."""
    if not math.isfinite(value):
        return value
    whole = math.copysign(float(math.trunc(value)), value)  # keeps -0.0
    if abs(value - whole) >= 0.5:
        whole += math.copysign(1.0, value)
    return whole


def _rust_float_display(value: float) -> str:
    """Rust's `{}` for f64: shortest round-trip digits, never an exponent, `2` not `2.0`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True, eq=False)
class HumanByte:
    """A parsed byte size: `size` in `unit`s, exactly as PBS holds it (`f64` + unit)."""

    size: float
    unit: SizeUnit

    @classmethod
    def parse(cls, text: str) -> HumanByte:
        """Parse like `HumanByte::from_str`; errors read `byte-size parse error for '<text>': ...`."""
        number, unit = _strip_unit(text)
        try:
            size = _parse_rust_f64(number)
        except ValueError as err:
            raise HumanByteError(f"byte-size parse error for '{text}': {err}") from None
        if size < 0.0:
            raise HumanByteError(f"byte-size parse error for '{text}': byte size may not be negative")
        return cls(size, unit)

    def __str__(self) -> str:
        """PBS's normalised form: at most 3 decimals, a space, the canonical unit symbol."""
        rounded = _round_half_away_from_zero(self.size * 1000.0) / 1000.0
        return f"{_rust_float_display(rounded)} {self.unit.symbol}"

    @property
    def bytes(self) -> float:
        """The size in bytes (`as_f64`)."""
        return self.size * self.unit.factor

    @property
    def stored_bytes(self) -> Fraction | str:
        """The exact byte count of the normalised form PBS stores (non-finite: its text)."""
        number = str(self).split(" ", 1)[0]
        if number in ("NaN", "inf", "-inf"):
            return number
        return Fraction(number) * self.unit.factor

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HumanByte):
            return NotImplemented
        return self.stored_bytes == other.stored_bytes

    def __hash__(self) -> int:
        return hash(self.stored_bytes)


def parse_human_byte(text: str) -> HumanByte:
    """Shortcut for `HumanByte.parse`."""
    return HumanByte.parse(text)


def verify_human_byte(text: str) -> None:
    """The `VerifyFn` of PBS's HumanByte schema."""
    HumanByte.parse(text)


def normalize_human_byte(text: str) -> str:
    """The string PBS stores and returns for `text` (`"20MiB"` -> `"20 MiB"`)."""
    return str(HumanByte.parse(text))


def human_bytes_equal(a: str, b: str) -> bool:
    """True if PBS would keep the same byte count for both (`10MiB` == `10 MiB` != `10MB`)."""
    return HumanByte.parse(a) == HumanByte.parse(b)


def stored_human_byte(text: str) -> str:
    """The text PBS stores for `text`, checked again as the section-config writer checks it.

    PBS keeps the re-printed form (`normalize_human_byte`) and verifies it against the same
    schema before writing `sync.cfg` (`verify_json` in proxmox-section-config's writer). A short
    input can print long: `1e100` is accepted by the API but prints as 101 digits, more than
    the schema's 64 characters, so PBS refuses to save it.
    """
    stored = normalize_human_byte(text)
    if not HUMAN_BYTE_RULE.is_valid(stored):
        raise HumanByteError(
            f"byte-size '{text}' is stored as '{stored}', which is {len(stored)} characters long; "
            f"PBS refuses to save more than {HUMAN_BYTE_RULE.max_length}"
        )
    return stored


# The schema of `rate-in`/`burst-in`/`rate-out`/`burst-out`: 1-64 characters, then the parser.
HUMAN_BYTE_RULE = StringRule(
    "Byte size with optional unit (B, KB (base 10), MB, GB, ..., KiB (base 2), MiB, Gib, ...).",
    min_length=1,
    max_length=64,
    verify=verify_human_byte,
)
