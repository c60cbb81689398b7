"""Config files in the data dir: read/write under a per-file lock, with PBS's file-wide digest.

Each :class:`ConfigFile` is one PBS config file (``remote.cfg``, ``sync.cfg``, ...). Its digest is the
SHA-256 of the raw file bytes (a missing file hashes the empty string), computed at read time, exactly
as ``pbs_config::*::config()`` does. Writers take :meth:`ConfigFile.locked` (PBS's ``lock_config()``);
writes are atomic (temp file + rename). A test can force the next digest-checked write to see a
concurrent change (:meth:`ConfigFile.force_digest_race`).

Section-config files keep what they parsed (:class:`SectionConfigFile`): every read still reads the
bytes and hashes them, and the parse of the last file is reused while the digest is the same, so a
read is exactly as correct as re-parsing (a change by anyone, even outside the simulator, changes the
digest). Below that, each section's text is cached with its parse and its formatted form: a file in
which one section changed re-parses only that section, and a write formats only the sections the
caller changed and remembers what the bytes it wrote parse to (each formatted section's parse, keyed
by its text: exactly what the next read would compute). Callers get private copies
(:class:`_CopyOnRead`), never the cached values, except read-only answers that ask for the shared
sections (:meth:`SectionConfigFile.read_shared`).
"""

from __future__ import annotations

import hashlib
import operator
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.section_config import (
    SectionConfigData,
    SectionConfigError,
    SectionType,
    parse_config,
    write_config,
)

Section = tuple[str, dict[str, Any]]
"""One parsed section as `SectionConfigData.sections` holds it: (type, properties)."""

_BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
"""The separator of sections: one or more lines with nothing but whitespace (parse_config's rule)."""
_ASCII_BREAKS = b"\r\x0b\x0c\x1c\x1d\x1e"
_OTHER_BREAK_BYTES = tuple(c.encode() for c in "\x85\u2028\u2029")
"""Line breaks other than \\n that `str.splitlines` also honours (in UTF-8, the ASCII ones above and
these): a file holding one is parsed whole."""
_CHUNK_SLACK = 1024
"""Section texts kept beyond those of the current file (sections since removed or changed)."""


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def write_atomic(path: Path, raw: bytes, mode: int = 0o640) -> None:
    """Replace ``path`` atomically (write a temp file, fsync-free rename)."""
    tmp = path.with_name(f".{path.name}.tmp.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, raw)
    finally:
        os.close(fd)
    os.replace(tmp, path)


class ConfigFile:
    """One PBS config file: raw bytes, lock, digest check and the digest-race switch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self._lock = threading.RLock()
        self._race_pending = False

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def read_raw(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""

    def write_raw(self, raw: bytes) -> None:
        write_atomic(self.path, raw)

    def digest(self) -> str:
        return sha256_hex(self.read_raw())

    def force_digest_race(self) -> None:
        """Make the next digest-checked write see a configuration changed by someone else."""
        self._race_pending = True

    def check_digest(self, given: str | None, current: str) -> None:
        """PBS's ``detect_modified_configuration_file``: only checked when a digest was sent."""
        if given is None:
            return
        if self._race_pending:
            self._race_pending = False
            raise ApiError(errors.DIGEST_MISMATCH)
        if given != current:
            raise ApiError(errors.DIGEST_MISMATCH)


def _copy_section(section: Section) -> Section:
    type_name, props = section
    return type_name, {k: (v.copy() if isinstance(v, list) else v) for k, v in props.items()}


def _same_value(left: Any, right: Any) -> bool:
    """Equal and of the same type (``True`` is not ``1``), lists item by item."""
    if left.__class__ is not right.__class__:
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same_value, left, right))
    return bool(left == right)


def _same_section(left: Section, right: Section) -> bool:
    """Whether two sections format to the same text (same type, same keys, same typed values;
    an unset (None) property is not written)."""
    (left_type, left_props), (right_type, right_props) = left, right
    left_set = {k: v for k, v in left_props.items() if v is not None}
    right_set = {k: v for k, v in right_props.items() if v is not None}
    return (
        left_type == right_type
        and left_set.keys() == right_set.keys()
        and all(_same_value(v, right_set[k]) for k, v in left_set.items())
    )


class _CopyOnRead(dict[str, Section]):
    """The sections of a cached parse, handed to one caller: the mapping is the caller's own, and
    every section taken out of it is a copy, so no caller can change what the cache holds. Sections
    the caller replaces (`set`) are its own; the ones it never touched are still the cached objects,
    which lets a write reuse their formatted text."""

    def __getitem__(self, key: str) -> Section:
        return _copy_section(dict.__getitem__(self, key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        found = dict.get(self, key)
        return default if found is None else _copy_section(found)

    def items(self) -> list[tuple[str, Section]]:  # type: ignore[override]
        return [(key, _copy_section(value)) for key, value in dict.items(self)]

    def values(self) -> list[Section]:  # type: ignore[override]
        return [_copy_section(value) for value in dict.values(self)]

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if key not in self:
            return dict.pop(self, key, *default)
        return _copy_section(dict.pop(self, key))

    def popitem(self) -> tuple[str, Section]:
        key, value = dict.popitem(self)
        return key, _copy_section(value)

    def setdefault(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key not in self:
            dict.__setitem__(self, key, default)
        return self[key]

    def copy(self) -> _CopyOnRead:
        return _CopyOnRead(self)


class _Chunk:
    """One section's text in the file (`source`) and its parse."""

    __slots__ = ("section", "section_id", "source")

    def __init__(self, section_id: str, section: Section, source: str) -> None:
        self.section_id = section_id
        self.section = section
        self.source = source


def _other_line_breaks(raw: bytes) -> bool:
    """Whether the UTF-8 bytes hold a line break other than \\n that `str.splitlines` honours."""
    if len(raw.translate(None, _ASCII_BREAKS)) != len(raw):
        return True
    return not raw.isascii() and any(mark in raw for mark in _OTHER_BREAK_BYTES)


class SectionConfigFile(ConfigFile):
    """A section-config file (``remote.cfg``, ``sync.cfg``, ``user.cfg``, ``datastore.cfg``)."""

    def __init__(self, path: Path, types: Mapping[str, SectionType]) -> None:
        super().__init__(path)
        self.types = dict(types)
        self._cache_lock = threading.Lock()
        self._digest: str | None = None  # the digest of the bytes `_sections` was parsed from
        self._raw = b""  # those bytes
        self._sections: dict[str, Section] = {}
        self._chunks: dict[str, _Chunk] = {}  # section text -> its parse (the last parsed file's)
        self._size = 0  # sections in the file last parsed or written
        # section id -> the cached section whose checked text is in `_texts`, and that text (it parses
        # to that section and formats from it): a write of that very object reuses the text
        self._checked: dict[str, Section] = {}
        self._texts: dict[str, str] = {}

    def read(self) -> tuple[SectionConfigData, str]:
        """Parsed sections and the digest of the bytes they were parsed from."""
        sections, digest = self._current()
        return SectionConfigData(_CopyOnRead(sections)), digest

    def read_shared(self) -> tuple[Mapping[str, Section], str]:
        """The same as `read`, without copies, for answers that only put the sections into new
        containers (listings, GETs): the sections are the cache's own and must never be changed."""
        sections, digest = self._current()
        return MappingProxyType(sections), digest

    def _current(self) -> tuple[dict[str, Section], str]:
        raw = self.read_raw()
        with self._cache_lock:
            if self._digest is not None and raw == self._raw:  # the very bytes: their digest is known
                return self._sections, self._digest
        digest = sha256_hex(raw)
        with self._cache_lock:
            if self._digest != digest:
                self._sections = self._parse(raw)
                self._digest = digest
            self._raw = raw
            return self._sections, digest

    def _parse(self, raw: bytes) -> dict[str, Section]:
        """`parse_config(text)`'s sections, re-parsing only the sections whose text is new."""
        text = raw.decode("utf-8")
        if _other_line_breaks(raw):
            self._forget_chunks()
            return parse_config(text, self.types, str(self.path)).sections
        sections: dict[str, Section] = {}
        chunks: dict[str, _Chunk] = {}
        for text_of_section in _BLANK_LINES.split(text):
            if not text_of_section.strip():
                continue
            chunk = self._chunks.get(text_of_section) or chunks.get(text_of_section)
            if chunk is None:
                chunk = self._parse_one(text_of_section)
            if chunk is None or chunk.section_id in sections:
                # an error (reported with the whole file's line numbers) or a repeated id: the
                # whole-file parse decides, exactly as without a cache
                self._forget_chunks()
                return parse_config(text, self.types, str(self.path)).sections
            sections[chunk.section_id] = chunk.section
            chunks[text_of_section] = chunk
        self._forget_chunks()
        self._size = len(sections)
        for text_of_section, chunk in chunks.items():
            self._remember(text_of_section, chunk)
        return sections

    def _parse_one(self, text: str) -> _Chunk | None:
        try:
            parsed = parse_config(text, self.types, str(self.path)).sections
        except SectionConfigError:
            return None
        if len(parsed) != 1:
            return None
        ((section_id, section),) = parsed.items()
        return _Chunk(section_id, section, text)

    def _forget_chunks(self) -> None:
        self._chunks = {}

    def write(self, data: SectionConfigData) -> None:
        """Store ``data`` with PBS's save rules; a refused save is PBS's 400 and leaves the file as it was."""
        raw, parsed = self._verified_text(data)
        if raw is None:
            try:
                raw = write_config(data, self.types, str(self.path))
            except SectionConfigError as exc:
                raise ApiError(str(exc)) from None
        written = raw.encode("utf-8")
        self.write_raw(written)
        digest = sha256_hex(written) if parsed is not None else None
        with self._cache_lock:
            if parsed is None:  # the next read parses what was written (write_config checked it reads back)
                self._digest, self._sections, self._raw = None, {}, b""
            else:  # what a read of these bytes parses to: each section's own parse
                self._digest, self._sections, self._raw = digest, parsed, written
                self._size = len(parsed)

    def _verified_text(self, data: SectionConfigData) -> tuple[str | None, dict[str, Section] | None]:
        """What ``write_config(data)`` returns, checked and formatted section by section, and what a
        read of that text parses to (None when a section's parse was not kept); (None, None) when a
        section fails (``write_config`` then words the error, with the whole file's line numbers).

        The writer's checks, the format and the read-back are each a function of one section (a
        section ends at the blank line the format puts after it), so the file's text is its sections'
        texts, joined. A section the cache holds and whose text was checked before is not checked
        again: the cache's sections are never changed (callers get copies), so the same object has
        the same text.
        """
        ids, sections = list(data.sections), list(dict.values(data.sections))
        with self._cache_lock:
            checked, texts = self._checked, self._texts
            # the common case in C loops: a section whose text was checked, as this very object
            known = list(map(operator.is_, map(checked.get, ids), sections))
            parts: list[str | None] = list(map(texts.get, ids))
            parsed: dict[str, Section] | None = dict(zip(ids, sections, strict=True))
            for index in [i for i, same in enumerate(known) if not same]:
                section_id, section = ids[index], sections[index]
                try:
                    part = parts[index] = write_config(
                        SectionConfigData({section_id: section}), self.types, str(self.path)
                    )
                except SectionConfigError:
                    return None, None
                chunk = self._parse_one(part)  # what the next read parses this text into
                if (
                    chunk is None
                    or chunk.section_id != section_id
                    or not _same_section(chunk.section, section)
                ):
                    parsed = None  # a value the read-back changes (trimmed, say): the next read parses
                    continue
                self._remember(part, chunk)
                checked[section_id], texts[section_id] = chunk.section, part  # formats as `section` does
                if parsed is not None:
                    parsed[section_id] = chunk.section
            if len(checked) > 2 * len(ids) + _CHUNK_SLACK:
                self._checked = {k: v for k, v in checked.items() if k in data.sections}
                self._texts = {k: texts[k] for k in self._checked}
        return "\n".join(cast(list[str], parts)), parsed

    def _remember(self, text: str, chunk: _Chunk) -> None:
        """Key `chunk` by a section text, with and without its final newline (the file's last
        section keeps it, the others lose it to the blank line that follows). The keys are
        contents, so entries of sections since removed stay correct; they are dropped in bulk."""
        if len(self._chunks) > 4 * self._size + _CHUNK_SLACK:
            self._forget_chunks()
        self._chunks[text] = chunk
        self._chunks[text.removesuffix("\n")] = chunk
