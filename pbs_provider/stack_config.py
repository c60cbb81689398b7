"""The typed stack config (namespace `pbs-replication:`): read, validated and cross-checked as a whole.

The program calls `load_stack_config()` before it registers any resource. Every problem becomes one
line naming its key path and the rule (`syncJobs.push-cloud.remote: no remote 'cloud' on server
'onprem' in this stack`); all of them are reported together, and nothing is registered.

Each entry is validated by the schema model of its PBS object (`pbs_provider.schemas`), so the field
rules live once: this module only adds what a stack needs on top — which config keys exist, where
secrets come from, and references between entries (servers, remotes, fingerprints).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.remote import RemoteSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_provider.servers import SECRETS_KEY, SERVERS_KEY, ServerDirectory

NAMESPACE = "pbs-replication"
REMOTES_KEY = "remotes"
REMOTE_PASSWORDS_KEY = "remotePasswords"
SYNC_JOBS_KEY = "syncJobs"
# Keys of the public contract whose resources come with the target-side resources (not built yet).
TARGET_SIDE_KEYS = ("users", "userPasswords", "tokens", "acls", "namespaces", "replications")
KNOWN_KEYS = (SERVERS_KEY, SECRETS_KEY, REMOTES_KEY, REMOTE_PASSWORDS_KEY, SYNC_JOBS_KEY, *TARGET_SIDE_KEYS)
SECRET_MAPS = (SECRETS_KEY, REMOTE_PASSWORDS_KEY, "userPasswords")
REMOTE_PASSWORD_ENV_PREFIX = "PBS_REMOTE_PASSWORD_"


class StackConfigError(ValueError):
    """The stack config cannot be deployed; `.problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"the stack config has {len(problems)} {noun}:\n" + "\n".join(f"  - {p}" for p in problems)
        )


def remote_password_env_var(remote_key: str) -> str:
    """The environment variable that may hold a remote's password (`PBS_REMOTE_PASSWORD_CLOUD_PUSH`)."""
    return REMOTE_PASSWORD_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", remote_key).upper()


@dataclass(frozen=True)
class RemoteDecl:
    """A `remotes` entry: the Remote resource's inputs and where its password comes from."""

    key: str
    inputs: dict[str, Any]
    """Pulumi inputs of the Remote resource, without `password`."""
    password: str | None
    """The password (from `remotePasswords` or the environment)."""
    fingerprint_from: str | None = None
    """A server of this stack whose certificate fingerprint the remote pins (read at deploy time)."""

    @property
    def server(self) -> str:
        return self.inputs["server"]

    @property
    def name(self) -> str:
        return self.inputs["name"]


@dataclass(frozen=True)
class SyncJobDecl:
    """A `syncJobs` entry: the SyncJob resource's inputs and the remote entry it uses."""

    key: str
    inputs: dict[str, Any]
    remote_key: str | None

    @property
    def server(self) -> str:
        return self.inputs["server"]

    @property
    def job_id(self) -> str:
        return self.inputs["jobId"]


@dataclass
class StackConfig:
    """The validated stack config."""

    servers: ServerDirectory
    remotes: dict[str, RemoteDecl] = field(default_factory=dict)
    sync_jobs: dict[str, SyncJobDecl] = field(default_factory=dict)


def _parse_json(value: Any, key: str, problems: list[str], expected: type) -> Any:
    if value is None or value == "":
        return expected()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            problems.append(f"{key}: not valid JSON ({error.msg})")
            return expected()
    if not isinstance(value, expected):
        kind = "a map" if expected is dict else "a list"
        problems.append(f"{key}: must be {kind}, got {type(value).__name__}")
        return expected()
    return value


def _entry_problems(
    schema: type[PbsObject], path: str, inputs: dict[str, Any], unknown: set[str]
) -> list[str]:
    result = schema.validate_inputs(inputs, unknown=unknown)
    return [
        f"{path}.{failure.field}: {failure.message.removeprefix(f'`{failure.field}`: ')}"
        for failure in result.failures
    ]


class _Loader:
    """Reads and checks the whole config; collects problems instead of stopping at the first."""

    def __init__(
        self, get: Callable[[str], Any], is_secret: Callable[[str], bool], environ: Mapping[str, str]
    ):
        self.get, self.is_secret, self.environ = get, is_secret, environ
        self.problems: list[str] = []

    def map(self, key: str) -> dict[str, Any]:
        value = _parse_json(self.get(key), key, self.problems, dict)
        for name, entry in value.items():
            if key not in SECRET_MAPS and not isinstance(entry, dict):
                self.problems.append(f"{key}.{name}: must be a map of settings, got {type(entry).__name__}")
        return {k: v for k, v in value.items() if key in SECRET_MAPS or isinstance(v, dict)}

    def check_secret_map(self, key: str, values: dict[str, Any]) -> None:
        if values and not self.is_secret(key):
            self.problems.append(
                f"{key}: holds secrets but is stored in plaintext: set each value with "
                f"`pulumi config set --secret --path '{key}.<name>' <value>`"
            )
        for name, value in values.items():
            if not isinstance(value, str) or not value:
                self.problems.append(f"{key}.{name}: must be a non-empty string")

    def check_server(self, path: str, servers: ServerDirectory, name: Any) -> None:
        if isinstance(name, str) and name:
            problem = servers.problem(name)
            if problem is not None:
                self.problems.append(f"{path}.server: {problem}")

    def remotes(self, servers: ServerDirectory, passwords: dict[str, Any]) -> dict[str, RemoteDecl]:
        decls: dict[str, RemoteDecl] = {}
        seen: dict[tuple[str, str], str] = {}
        for key, entry in self.map(REMOTES_KEY).items():
            path = f"{REMOTES_KEY}.{key}"
            inputs = dict(entry)
            inputs.setdefault("name", key)
            fingerprint_from = inputs.pop("fingerprintFrom", None)
            token_ref = inputs.pop("passwordFromToken", None)
            if token_ref is not None:
                self.problems.append(
                    f"{path}.passwordFromToken: needs an ApiToken managed in this stack (`tokens`), which "
                    "this version cannot manage yet; put the password in `remotePasswords` instead"
                )
            if "password" in inputs:
                self.problems.append(
                    f"{path}.password: passwords do not belong in `remotes` (it would be stored in "
                    f"plaintext): use `pulumi config set --secret --path '{REMOTE_PASSWORDS_KEY}.{key}' …`"
                )
                inputs.pop("password")
            password = passwords.get(key) or self.environ.get(remote_password_env_var(key))
            if password is None and token_ref is None:
                self.problems.append(
                    f"{path}: no password: set `pulumi config set --secret --path "
                    f"'{REMOTE_PASSWORDS_KEY}.{key}' <password or token secret>` or the environment "
                    f"variable {remote_password_env_var(key)}"
                )
            unknown = {"password"} if not isinstance(password, str) or not password else set()
            self.problems += _entry_problems(RemoteSchema, path, {**inputs, "password": password}, unknown)
            self.check_server(path, servers, inputs.get("server"))
            if fingerprint_from is not None:
                if "fingerprint" in inputs:
                    self.problems.append(f"{path}: set either `fingerprint` or `fingerprintFrom`, not both")
                elif not isinstance(fingerprint_from, str) or fingerprint_from not in servers.names():
                    known = ", ".join(servers.names()) or "none"
                    self.problems.append(
                        f"{path}.fingerprintFrom: no server {fingerprint_from!r} in this stack "
                        f"(servers: {known})"
                    )
            ident = (str(inputs.get("server")), str(inputs.get("name")))
            if ident in seen:
                self.problems.append(
                    f"{path}: remote {ident[1]!r} on server {ident[0]!r} is also declared as "
                    f"`{REMOTES_KEY}.{seen[ident]}`"
                )
            seen[ident] = key
            decls[key] = RemoteDecl(
                key, inputs, password if isinstance(password, str) else None, fingerprint_from
            )
        for key in passwords:
            if key not in decls:
                self.problems.append(f"{REMOTE_PASSWORDS_KEY}.{key}: no remote {key!r} in `{REMOTES_KEY}`")
        return decls

    def sync_jobs(self, servers: ServerDirectory, remotes: dict[str, RemoteDecl]) -> dict[str, SyncJobDecl]:
        decls: dict[str, SyncJobDecl] = {}
        seen: dict[tuple[str, str], str] = {}
        for key, entry in self.map(SYNC_JOBS_KEY).items():
            path = f"{SYNC_JOBS_KEY}.{key}"
            inputs = dict(entry)
            inputs.setdefault("jobId", key)
            self.problems += _entry_problems(SyncJobSchema, path, inputs, set())
            self.check_server(path, servers, inputs.get("server"))
            remote_key = None
            remote = inputs.get("remote")
            if isinstance(remote, str):
                matches = [
                    d.key for d in remotes.values() if d.name == remote and d.server == inputs.get("server")
                ]
                if matches:
                    remote_key = matches[0]
                else:
                    self.problems.append(
                        f"{path}.remote: no remote {remote!r} on server {inputs.get('server')!r} "
                        "in this stack "
                        f"(declare it under `{REMOTES_KEY}`; use `adopt: true` there for one that exists)"
                    )
            ident = (str(inputs.get("server")), str(inputs.get("jobId")))
            if ident in seen:
                self.problems.append(
                    f"{path}: job id {ident[1]!r} on server {ident[0]!r} is also used by "
                    f"`{SYNC_JOBS_KEY}.{seen[ident]}`"
                )
            seen[ident] = key
            decls[key] = SyncJobDecl(key, inputs, remote_key)
        return decls

    def load(self, all_keys: list[str]) -> StackConfig:
        prefix = f"{NAMESPACE}:"
        for full in sorted(all_keys):
            if full.startswith(prefix) and full[len(prefix) :] not in KNOWN_KEYS:
                self.problems.append(
                    f"{full[len(prefix) :]}: not a config key of this project "
                    f"(known: {', '.join(KNOWN_KEYS)})"
                )
        for key in TARGET_SIDE_KEYS:
            value = self.get(key)
            if value not in (None, "", "{}", "[]", {}, []):
                self.problems.append(
                    f"{key}: the target-side resources (users, tokens, ACLs, namespaces, replications) are "
                    "not available in this version yet"
                )
        secret_maps = {key: self.map(key) for key in (SECRETS_KEY, REMOTE_PASSWORDS_KEY)}
        for key, values in secret_maps.items():
            self.check_secret_map(key, values)
        servers = ServerDirectory.parse(self.get(SERVERS_KEY), secret_maps[SECRETS_KEY], self.environ)
        if servers.config_error:
            self.problems.append(servers.config_error)
        remotes = self.remotes(servers, secret_maps[REMOTE_PASSWORDS_KEY])
        jobs = self.sync_jobs(servers, remotes)
        if self.problems:
            raise StackConfigError(self.problems)
        return StackConfig(servers=servers, remotes=remotes, sync_jobs=jobs)


def load_stack_config(
    get: Callable[[str], Any] | None = None,
    is_secret: Callable[[str], bool] | None = None,
    all_keys: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> StackConfig:
    """Load the stack config of the running Pulumi program (or from the given getters, for tests).

    Raises `StackConfigError` listing every problem; registers nothing.
    """
    if get is None or is_secret is None or all_keys is None:
        from pulumi.runtime import config as runtime_config  # only inside a program

        get = get or (lambda key: runtime_config.get_config(f"{NAMESPACE}:{key}"))
        is_secret = is_secret or (lambda key: runtime_config.is_config_secret(f"{NAMESPACE}:{key}"))
        all_keys = list(runtime_config.CONFIG.get()) if all_keys is None else all_keys
    return _Loader(get, is_secret, os.environ if environ is None else environ).load(all_keys)
