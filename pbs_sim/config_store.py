"""Config files in the data dir: read/write under a per-file lock, with PBS's file-wide digest.

Each :class:`ConfigFile` is one PBS config file (``remote.cfg``, ``sync.cfg``, ...). Its digest is the
SHA-256 of the raw file bytes (a missing file hashes the empty string), computed at read time, exactly
as ``pbs_config::*::config()`` does. Writers take :meth:`ConfigFile.locked` (PBS's ``lock_config()``);
writes are atomic (temp file + rename). A test can force the next digest-checked write to see a
concurrent change (:meth:`ConfigFile.force_digest_race`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pbs_sim import errors
from pbs_sim.errors import ApiError
from pbs_sim.section_config import (
    SectionConfigData,
    SectionConfigError,
    SectionType,
    parse_config,
    write_config,
)


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


class SectionConfigFile(ConfigFile):
    """A section-config file (``remote.cfg``, ``sync.cfg``, ``user.cfg``, ``datastore.cfg``)."""

    def __init__(self, path: Path, types: Mapping[str, SectionType]) -> None:
        super().__init__(path)
        self.types = dict(types)

    def read(self) -> tuple[SectionConfigData, str]:
        """Parsed sections and the digest of the bytes they were parsed from."""
        raw = self.read_raw()
        data = parse_config(raw.decode("utf-8"), self.types, str(self.path))
        return data, sha256_hex(raw)

    def write(self, data: SectionConfigData) -> None:
        """Store ``data`` with PBS's save rules; a refused save is PBS's 400 and leaves the file as it was."""
        try:
            raw = write_config(data, self.types, str(self.path))
        except SectionConfigError as exc:
            raise ApiError(str(exc)) from None
        self.write_raw(raw.encode("utf-8"))
