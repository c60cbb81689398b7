"""PBS versions: parse `"4.2.3"` or `GET /version`'s `{"version": "4.2", "release": "3"}`, compare.

Ordering is (major, minor, release) as in pbs-api-types' `ApiVersion`; used to gate fields and
roles by the version that introduced them ("`workerThreads` needs PBS >= 4.1.8").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import PbsValueError


class VersionError(PbsValueError):
    """A version string or `/version` answer that cannot be parsed."""


# "4.2.3", also "4.2" (release 0), "4.2-3" and a Debian revision tail such as "4.2.3-1".
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:[.-](\d+))?(?:-[0-9A-Za-z.~+]+)?")
_NUMBER_RE = re.compile(r"\d+")


@dataclass(frozen=True, order=True)
class PbsVersion:
    """A PBS version `major.minor.release`; compares numerically (4.10.0 > 4.9.9)."""

    major: int
    minor: int
    release: int = 0

    @classmethod
    def parse(cls, text: str) -> PbsVersion:
        """Parse `"4.2.3"`, `"4.2"` (release 0), `"4.2-3"` or `"4.2.3-1"` (Debian revision ignored)."""
        match = _VERSION_RE.fullmatch(text.strip())
        if match is None:
            raise VersionError(f"malformed version '{text}'")
        major, minor, release = match.groups()
        return cls(int(major), int(minor), int(release or 0))

    @classmethod
    def from_api(cls, data: Mapping[str, object]) -> PbsVersion:
        """Build from the `data` of `GET /version` (`version` "major.minor", `release` "N").

        Error texts follow pbs-api-types' `TryFrom<ApiVersionInfo> for ApiVersion`.
        """
        version = data.get("version")
        release = data.get("release", "0")
        if not isinstance(version, str) or "." not in version:
            raise VersionError(f"malformed API version {version}")
        major, minor = version.split(".", 1)
        if _NUMBER_RE.fullmatch(major) is None:
            raise VersionError("failed to parse major version")
        if _NUMBER_RE.fullmatch(minor) is None:
            raise VersionError("failed to parse minor version")
        if not isinstance(release, str) or _NUMBER_RE.fullmatch(release) is None:
            raise VersionError("failed to parse release version")
        return cls(int(major), int(minor), int(release))

    def to_api(self) -> dict[str, str]:
        """The `version`/`release` pair as `GET /version` reports it."""
        return {"version": f"{self.major}.{self.minor}", "release": str(self.release)}

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.release}"


def parse_version(text: str) -> PbsVersion:
    """Shortcut for `PbsVersion.parse`."""
    return PbsVersion.parse(text)
