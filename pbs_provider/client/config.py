"""How to reach one PBS server: URL, credentials, TLS trust, timeouts and retry settings.

`ServerConfig` is the validated, immutable description the client is built from. It holds the
secret as a pydantic `SecretStr`, so its repr and str never show it, and it refuses to be pickled
so that credentials cannot leak into a pickled dynamic provider.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from pbs_types.errors import PbsValueError
from pbs_types.ids import FINGERPRINT_RULE, normalize_fingerprint, parse_authid

DEFAULT_PORT = 8007

_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RetrySettings(BaseModel):
    """Retry policy for transient failures (connection errors, resets, 502/503/504, read timeouts).

    Retries apply only where they are safe: GET, PUT and DELETE, and a POST only after the
    caller's `exists` check says it did not land. The delay before retry n (n >= 2) is
    `backoff_factor * 2**(n-1)`, capped at `backoff_max`, plus a random jitter up to
    `backoff_jitter` seconds (urllib3's `Retry` computes it).
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, validate_by_name=True, validate_by_alias=True
    )

    attempts: int = Field(default=4, ge=1, le=20, description="tries per request, the first included")
    backoff_factor: float = Field(default=0.5, ge=0, le=60)
    backoff_max: float = Field(default=10.0, ge=0, le=600)
    backoff_jitter: float = Field(default=0.5, ge=0, le=60)
    digest_attempts: int = Field(
        default=5, ge=1, le=50, description="read-modify-write rounds on 'detected modified configuration'"
    )


class ServerConfig(BaseModel):
    """Connection settings for one PBS server (one entry of the stack config's `servers` map).

    Field names are accepted in snake_case or in the stack config's camelCase (`authId`,
    `caFile`, `verifyTls`, `connectTimeout`, `retry.backoffFactor`, …).

    * `url`: `https://host[:port]`; the port defaults to 8007. `http://` is refused unless
      `allow_http=True` (PBS itself only serves the API over TLS).
    * `auth_id`: `user@realm` (password/ticket login) or `user@realm!token` (API token).
    * `secret`: the password or the token secret; never shown in repr/str/errors/logs.
    * TLS trust, in order of precedence: `fingerprint` pins the leaf certificate (SHA-256 colon
      hex, compared case-insensitively; chain and host name are then not checked), `ca_file`
      verifies the chain and host name against that CA bundle, otherwise the system CAs are
      used. `verify_tls=False` switches verification off (a loud warning is logged; never the
      default, and not combinable with `fingerprint`/`ca_file`).
    * `connect_timeout` / `read_timeout` in seconds apply to every request. PBS delays 401
      answers by ~3 s, so keep `read_timeout` well above that.
    """

    # Cross-field checks are field validators on the later field (never model validators, whose
    # errors would carry the whole input, secret included); inputs are hidden in errors anyway.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
    )

    allow_http: bool = False
    url: str
    auth_id: str = Field(min_length=3, max_length=64)
    secret: SecretStr
    fingerprint: str | None = None
    ca_file: Path | None = None
    verify_tls: bool = True
    connect_timeout: float = Field(default=10.0, gt=0, le=600)
    read_timeout: float = Field(default=60.0, gt=0, le=3600)
    retry: RetrySettings = RetrySettings()

    @field_validator("auth_id")
    @classmethod
    def _check_auth_id(cls, value: str) -> str:
        try:
            parse_authid(value)
        except PbsValueError as error:
            raise ValueError(
                f"{error.message}: use 'user@realm' (password login) or 'user@realm!token' (API token)"
            ) from None
        return value

    @field_validator("secret")
    @classmethod
    def _check_secret(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        # Messages never quote the value. A token secret travels in an HTTP header, so it must be
        # printable ASCII (PBS's are UUIDs); a password travels in a JSON body.
        text = value.get_secret_value()
        if not text:
            raise ValueError("must not be empty")
        if "!" in str(info.data.get("auth_id", "")) and not _HEADER_SAFE.fullmatch(text):
            raise ValueError("a token secret must be printable ASCII without spaces (PBS uses a UUID)")
        if _CONTROL.search(text):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("fingerprint")
    @classmethod
    def _check_fingerprint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not FINGERPRINT_RULE.is_valid(value):
            raise ValueError(
                "must be a SHA-256 fingerprint: 32 hex byte pairs joined by ':' "
                "(as shown by `proxmox-backup-manager cert info` on the PBS host)"
            )
        return normalize_fingerprint(value)

    @field_validator("ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"CA file {str(value)!r} does not exist or is not a file")
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str, info: ValidationInfo) -> str:
        parts = urlsplit(value)
        if parts.username or parts.password:
            raise ValueError("url must not contain credentials; use auth_id and secret")
        if parts.scheme not in ("https", "http"):
            raise ValueError(f"url {value!r} must start with https://")
        if not parts.hostname:
            raise ValueError(f"url {value!r} has no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"url {value!r} must be just scheme://host[:port] (no path or query)")
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as error:
            raise ValueError(f"url {value!r} has an invalid port") from error
        if parts.scheme == "http" and not info.data.get("allow_http"):
            raise ValueError(
                f"url {value!r} uses plain http: PBS serves its API over https on port 8007; use https://"
            )
        return value

    @field_validator("verify_tls")
    @classmethod
    def _check_verify_tls(cls, value: bool, info: ValidationInfo) -> bool:
        if not value and (info.data.get("fingerprint") or info.data.get("ca_file")):
            raise ValueError("verify_tls=false cannot be combined with fingerprint or ca_file")
        return value

    @property
    def host(self) -> str:
        """Host name or IP address of the server (IPv6 without brackets)."""
        host = urlsplit(self.url).hostname
        assert host is not None
        return host

    @property
    def port(self) -> int:
        """TCP port of the API (8007 unless the URL says otherwise)."""
        return urlsplit(self.url).port or DEFAULT_PORT

    @property
    def base_url(self) -> str:
        """`scheme://host:port` with the port always spelled out."""
        scheme = urlsplit(self.url).scheme
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def uses_token(self) -> bool:
        """True for `user@realm!token` (API token auth), False for password/ticket login."""
        return "!" in self.auth_id

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            "ServerConfig holds credentials and must not be pickled (it would end up in a pickled "
            "dynamic provider and in Pulumi state); pass it to the provider through configure()"
        )

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()
