"""What PBS's section-config files do to a value: the writer's refusal and the reader's trim.

PBS keeps its configuration (`remote.cfg`, `sync.cfg`, `user.cfg`, `datastore.cfg`) in
proxmox-section-config's text format, one `\\t<key> <value>` line per property. Two of that
crate's rules (`proxmox-section-config/src/lib.rs` in proxmox-rs) apply to every stored value,
on top of the API schema the value passed when it was sent:

- **Writing** refuses a value containing any Unicode control character (`char::is_control`:
  general category Cc, U+0000-U+001F and U+007F-U+009F). That is stricter than the API
  schemas' `[[:cntrl:]]`, which is ASCII only: a comment with U+0085 passes the API check and
  then fails the save (`detected unexpected control character in section '<id>' key '<key>'`).
- **Reading** splits the file at `\\n` only (`str::lines`, which also drops one `\\r` before it)
  and trims every key and value (`str::trim`: Unicode White_Space, e.g. U+00A0, U+2028). So a
  value with leading or trailing whitespace is stored as sent but reads back trimmed.

The simulator's writer and reader (`pbs_sim/section_config.py`) and the providers' checks use
these functions, so both sides apply the same rules.
"""

from __future__ import annotations

from .errors import PbsValueError
from .rules import RUST_WHITESPACE


class StoredValueError(PbsValueError):
    """A value PBS's section-config writer refuses to store."""


def is_control(char: str) -> bool:
    """Rust's `char::is_control`: the Unicode general category Cc."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def has_control(text: str) -> bool:
    """True if the writer would refuse `text` (it contains a Unicode control character)."""
    return any(is_control(char) for char in text)


def control_character_error(section_id: str, key: str) -> StoredValueError:
    """The writer's message for a value with a control character (PBS's text)."""
    return StoredValueError(f"detected unexpected control character in section '{section_id}' key '{key}'")


def rust_trim(text: str) -> str:
    """Rust's `str::trim`: strip Unicode White_Space from both ends (not Python's `str.strip()`,
    which also strips U+001C-U+001F)."""
    return text.strip(RUST_WHITESPACE)


def read_back(text: str) -> str:
    """The value PBS reads back from its config file after storing `text`."""
    return rust_trim(text)


def split_lines(raw: str) -> list[str]:
    """Rust's `str::lines`: split at `\\n` only, drop one `\\r` before a `\\n`, no empty last line.

    Unlike Python's `str.splitlines()`, U+2028, U+2029, U+0085, `\\x0b`, `\\x0c` and `\\x1c`-`\\x1e`
    are not line ends.
    """
    if raw == "":
        return []
    lines = raw.split("\n")
    last = lines.pop()  # the text after the last "\n": a last line without a line ending, or ""
    ended = [line[:-1] if line.endswith("\r") else line for line in lines]
    return [*ended, last] if last else ended


def check_storable(text: str) -> str:
    """Return `text` if the writer stores it unchanged in meaning; raise `StoredValueError`.

    Refused: a Unicode control character (the writer's own check). Used by the providers at
    preview for the free-text fields that end up in a section-config file.
    """
    if has_control(text):
        bad = next(char for char in text if is_control(char))
        raise StoredValueError(
            f"contains the control character U+{ord(bad):04X}, which PBS refuses to write to its "
            "configuration file (detected unexpected control character)"
        )
    return text
