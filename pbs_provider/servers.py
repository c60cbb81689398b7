"""The stack config's PBS servers: `servers` + `serverSecrets` (+ env fallback) → `ServerConfig`s.

Stack config keys (project namespace `pbs-replication`):

* `servers`: map server name → `{url, authId, fingerprint?, caFile?, verifyTls?}` (plain);
* `serverSecrets`: secret map server name → token secret or password;
* environment `PBS_SERVER_SECRET_<NAME>` (name upper-cased, other characters than letters and
  digits as `_`) when `serverSecrets` has no entry for a server.

Both the program (`__main__.py`, to validate the config before registering resources) and the
dynamic providers (in `configure()`, inside the plugin) read the config through `ServerDirectory`,
so the rules and messages live here once. Secrets stay in memory only: `ServerDirectory` refuses
pickling and never shows a secret in its repr or its errors.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from pbs_provider.client import ServerConfig

SERVERS_KEY = "servers"
SECRETS_KEY = "serverSecrets"
SECRET_ENV_PREFIX = "PBS_SERVER_SECRET_"


class ServerConfigError(ValueError):
    """The stack config does not describe a usable server (message names key and rule, no secret)."""


class ServerEntry(BaseModel):
    """One entry of the `servers` map, as written in the stack config (camelCase keys)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    url: str = Field(description="`https://host[:port]` of the PBS API (port 8007 by default).")
    auth_id: str = Field(description="`user@realm!token` (API token) or `user@realm` (password login).")
    fingerprint: str | None = Field(
        default=None, description="SHA-256 fingerprint to pin (self-signed certs)."
    )
    ca_file: str | None = Field(default=None, description="CA bundle that signed the server's certificate.")
    verify_tls: bool = Field(default=True, description="`false` disables TLS verification (tests only).")
    connect_timeout: float | None = Field(default=None, description="Seconds to connect (client default 10).")
    read_timeout: float | None = Field(
        default=None, description="Seconds to wait for an answer (default 60)."
    )
    retry: dict[str, Any] | None = Field(
        default=None,
        description="Retry settings: attempts, backoffFactor, backoffMax, backoffJitter, digestAttempts.",
    )


def client_config(entry: ServerEntry, secret: str) -> ServerConfig:
    """The client settings of one `servers` entry with its secret (raises pydantic's
    `ValidationError`, whose locations are `ServerConfig` fields; inputs are hidden)."""
    optional = {
        "connect_timeout": entry.connect_timeout,
        "read_timeout": entry.read_timeout,
        "retry": entry.retry,
    }
    return ServerConfig(
        url=entry.url,
        auth_id=entry.auth_id,
        secret=secret,
        fingerprint=entry.fingerprint,
        ca_file=entry.ca_file,
        verify_tls=entry.verify_tls,
        **{k: v for k, v in optional.items() if v is not None},
    )


def secret_env_var(server: str) -> str:
    """The environment variable that may hold the secret of `server` (`PBS_SERVER_SECRET_ONPREM`)."""
    return SECRET_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", server).upper()


def _describe(error: ValidationError) -> str:
    """pydantic errors as `field: message`, never quoting the input (it may be a secret)."""
    parts = []
    for detail in error.errors(include_url=False, include_input=False):
        where = ".".join(to_camel(str(p)) if isinstance(p, str) else str(p) for p in detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _as_mapping(value: Any, key: str) -> dict[str, Any]:
    """A config value as a dict: the CLI hands objects over as JSON strings."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ServerConfigError(f"stack config `{key}` is not valid JSON ({error.msg})") from None
    if not isinstance(value, Mapping):
        raise ServerConfigError(f"stack config `{key}` must be a map of server name → settings")
    return dict(value)


@dataclass(frozen=True)
class ServerDirectory:
    """The servers of a stack: names, their settings, and where each one's secret comes from."""

    entries: Mapping[str, ServerEntry] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)
    """Per-server config errors (the server's entry could not be read)."""
    config_error: str | None = None
    """A problem with the whole `servers`/`serverSecrets` config."""
    _secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    _built: dict[str, ServerConfig | ServerConfigError] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """`_build`'s answer per server: the directory never changes, nor does a (frozen) ServerConfig."""

    @classmethod
    def parse(
        cls,
        servers: Any,
        secrets: Any = None,
        environ: Mapping[str, str] | None = None,
    ) -> ServerDirectory:
        """Build from the two config values (dicts or JSON strings) and the environment.

        A broken whole (not JSON, not a map) is kept as `config_error`; a broken entry as a
        problem of that server, so other servers stay usable. Never raises.
        """
        env = os.environ if environ is None else environ
        try:
            raw_servers = _as_mapping(servers, SERVERS_KEY)
            raw_secrets = _as_mapping(secrets, SECRETS_KEY)
        except ServerConfigError as error:
            return cls(config_error=str(error))
        entries: dict[str, ServerEntry] = {}
        problems: dict[str, str] = {}
        for name, raw in raw_servers.items():
            try:
                entries[name] = ServerEntry.model_validate(raw)
            except ValidationError as error:
                problems[name] = f"stack config `{SERVERS_KEY}.{name}` is invalid: {_describe(error)}"
        resolved: dict[str, str] = {}
        for name in raw_servers:
            secret = raw_secrets.get(name)
            if secret is None or secret == "":
                secret = env.get(secret_env_var(name))
            if isinstance(secret, str) and secret:
                resolved[name] = secret
        unknown = sorted(set(raw_secrets) - set(raw_servers))
        config_error = None
        if unknown:
            config_error = (
                f"stack config `{SECRETS_KEY}` has entries for servers that `{SERVERS_KEY}` does not "
                f"define: {', '.join(unknown)}"
            )
        return cls(entries=entries, problems=problems, config_error=config_error, _secrets=resolved)

    @classmethod
    def from_config(
        cls, get: Callable[[str], Any], environ: Mapping[str, str] | None = None
    ) -> ServerDirectory:
        """Read `servers` and `serverSecrets` with a config getter: `pulumi.Config().get` in the
        program, `ConfigureRequest.config.get` in a provider (un-namespaced keys resolve to the
        project's namespace in both)."""
        return cls.parse(get(SERVERS_KEY), get(SECRETS_KEY), environ)

    def names(self) -> list[str]:
        """Every server name the config defines (valid or not)."""
        return sorted({*self.entries, *self.problems})

    def problem(self, name: str) -> str | None:
        """Why server `name` cannot be used, or None if it can."""
        if name not in self.entries and name not in self.problems:
            known = ", ".join(f"`{n}`" for n in self.names()) or "none"
            extra = f" ({self.config_error})" if self.config_error else ""
            return (
                f"unknown server `{name}`: stack config `{SERVERS_KEY}` defines {known}{extra}; add "
                f"`{name}` there (url, authId) or fix the name"
            )
        if name in self.problems:
            return self.problems[name]
        if name not in self._secrets:
            return (
                f"no secret for server `{name}`: set it with `pulumi config set --secret --path "
                f"'{SECRETS_KEY}.{name}' <token secret or password>` or in the environment variable "
                f"{secret_env_var(name)}"
            )
        try:
            self._build(name)
        except ServerConfigError as error:
            return str(error)
        return None

    def server_config(self, name: str) -> ServerConfig:
        """The client settings of server `name`; raises `ServerConfigError` saying what to fix."""
        problem = self.problem(name)
        if problem is not None:
            raise ServerConfigError(problem)
        return self._build(name)

    def _build(self, name: str) -> ServerConfig:
        built = self._built.get(name)
        if built is None:
            try:
                built = self._make(name)
            except ServerConfigError as error:
                built = error
            self._built[name] = built
        if isinstance(built, ServerConfigError):
            raise ServerConfigError(str(built))
        return built

    def _make(self, name: str) -> ServerConfig:
        try:
            return client_config(self.entries[name], self._secrets[name])
        except ValidationError as error:
            raise ServerConfigError(
                f"stack config `{SERVERS_KEY}.{name}` is invalid: {_describe(error)}"
            ) from None

    def __reduce__(self) -> NoReturn:
        raise TypeError("ServerDirectory holds server secrets and must not be pickled")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        self.__reduce__()
