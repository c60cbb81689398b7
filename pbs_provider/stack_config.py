"""The typed stack config (namespace `pbs-replication:`): read, validated and cross-checked as a whole.

The program calls `load_stack_config()` before it registers any resource. Every problem becomes one
line naming its key path and the rule (`syncJobs.push-cloud.remote: no remote 'cloud' on server
'onprem' in this stack`); all of them are reported together, and nothing is registered.

Each entry is validated by the schema model of its PBS object (`pbs_provider.schemas`), so the field
rules live once: this module only adds what a stack needs on top — which config keys exist, where
secrets come from, and references between entries (servers, remotes, fingerprints, tokens, users,
namespaces). A `replications` entry is expanded by `plan_replication` and each child it would
register is validated by its own schema, with the problems reported under the entry's key path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from pbs_provider.client import DEFAULT_PORT
from pbs_provider.client.config import RetrySettings
from pbs_provider.resources.replication import (
    JOB_OPTIONS,
    InvalidReplication,
    ReplicationArgs,
    ReplicationPlan,
    ReplicationSide,
    plan_problems,
    plan_replication,
    shared_user_reason,
)
from pbs_provider.schemas.acl_entry import AclEntrySchema
from pbs_provider.schemas.api_token import ApiTokenSchema, token_id
from pbs_provider.schemas.base import PbsObject
from pbs_provider.schemas.messages import closest, describe_error
from pbs_provider.schemas.namespace import NamespaceSchema
from pbs_provider.schemas.prune_job import PruneJobSchema
from pbs_provider.schemas.remote import RemoteSchema
from pbs_provider.schemas.sync_job import SyncJobSchema
from pbs_provider.schemas.user import UserSchema
from pbs_provider.schemas.verify_job import VerifyJobSchema
from pbs_provider.servers import (
    SECRETS_KEY,
    SERVERS_KEY,
    ServerDirectory,
    ServerEntry,
    client_config,
    secret_env_var,
)
from pbs_types.errors import PbsValueError
from pbs_types.ids import parse_authid

NAMESPACE = "pbs-replication"
REMOTES_KEY = "remotes"
REMOTE_PASSWORDS_KEY = "remotePasswords"
SYNC_JOBS_KEY = "syncJobs"
USERS_KEY = "users"
USER_PASSWORDS_KEY = "userPasswords"
TOKENS_KEY = "tokens"
ACLS_KEY = "acls"
NAMESPACES_KEY = "namespaces"
REPLICATIONS_KEY = "replications"
PRUNE_JOBS_KEY = "pruneJobs"
VERIFY_JOBS_KEY = "verifyJobs"
# What keeps a datastore healthy: prune jobs (retention) and verify jobs.
DATASTORE_JOB_KEYS = (PRUNE_JOBS_KEY, VERIFY_JOBS_KEY)
# The keys of the target side (users, tokens, ACLs, namespaces) and of the replication shorthand.
TARGET_SIDE_KEYS = (USERS_KEY, USER_PASSWORDS_KEY, TOKENS_KEY, ACLS_KEY, NAMESPACES_KEY, REPLICATIONS_KEY)
KNOWN_KEYS = (
    SERVERS_KEY,
    SECRETS_KEY,
    REMOTES_KEY,
    REMOTE_PASSWORDS_KEY,
    SYNC_JOBS_KEY,
    *TARGET_SIDE_KEYS,
    *DATASTORE_JOB_KEYS,
)
SECRET_MAPS = (SECRETS_KEY, REMOTE_PASSWORDS_KEY, USER_PASSWORDS_KEY)
REMOTE_PASSWORD_ENV_PREFIX = "PBS_REMOTE_PASSWORD_"
USER_PASSWORD_ENV_PREFIX = "PBS_USER_PASSWORD_"


class StackConfigError(ValueError):
    """The stack config cannot be deployed; `.problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"the stack config has {len(problems)} {noun}:\n" + "\n".join(f"  - {p}" for p in problems)
        )


def problem_parts(problem: str) -> tuple[str, str, str]:
    """A problem line as (key path, what is wrong, what to do): the loader writes each problem as
    `<key path>: <rule>[; <action>]`; without an action the rule says what the value must be."""
    key, sep, rest = problem.partition(": ")
    if not sep or " " in key:
        return "", problem, ""
    what, sep, action = rest.partition("; ")
    if not sep:
        action = f"set `{key}`" if what.startswith("is required") else f"change `{key}` in the stack file"
    return key, what, action


def remote_password_env_var(remote_key: str) -> str:
    """The environment variable that may hold a remote's password (`PBS_REMOTE_PASSWORD_CLOUD_PUSH`)."""
    return REMOTE_PASSWORD_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", remote_key).upper()


def user_password_env_var(user_key: str) -> str:
    """The environment variable that may hold a user's password (`PBS_USER_PASSWORD_SYNC_PBS`)."""
    return USER_PASSWORD_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", user_key).upper()


def needs_fingerprint(entry: ServerEntry) -> bool:
    """Whether other PBS servers must pin this server's certificate: true unless the stack reaches
    it through the system's trusted CAs (no `fingerprint`, no `caFile`, TLS verified), i.e. unless
    its certificate is CA-signed. PBS's default certificate is self-signed."""
    return entry.fingerprint is not None or entry.ca_file is not None or not entry.verify_tls


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
    token_key: str | None = None
    """`passwordFromToken`: the `tokens` entry whose secret is the password."""

    @property
    def server(self) -> str:
        return self.inputs.get("server")  # type: ignore[return-value]  # None: missing, reported

    @property
    def name(self) -> str:
        return self.inputs["name"]


@dataclass(frozen=True)
class JobDecl:
    """A job entry (`syncJobs`, `pruneJobs`, `verifyJobs`): the job resource's inputs."""

    key: str
    inputs: dict[str, Any]

    @property
    def server(self) -> str:
        return self.inputs.get("server")  # type: ignore[return-value]  # None: missing, reported

    @property
    def job_id(self) -> str:
        return self.inputs["jobId"]


@dataclass(frozen=True)
class SyncJobDecl(JobDecl):
    """A `syncJobs` entry, and the remote entry it uses."""

    remote_key: str | None


@dataclass(frozen=True)
class UserDecl:
    """A `users` entry: the User resource's inputs (without `password`) and its password."""

    key: str
    inputs: dict[str, Any]
    password: str | None
    """From `userPasswords` or the environment; None: a user without a login password."""

    @property
    def server(self) -> str:
        return self.inputs.get("server")  # type: ignore[return-value]  # None: missing, reported

    @property
    def userid(self) -> str:
        return self.inputs["userid"]


@dataclass(frozen=True)
class TokenDecl:
    """A `tokens` entry: the ApiToken resource's inputs and the `users` entry that owns it."""

    key: str
    inputs: dict[str, Any]
    user_key: str | None

    @property
    def server(self) -> str:
        return self.inputs.get("server")  # type: ignore[return-value]  # None: missing, reported

    @property
    def token_id(self) -> str:
        return token_id(self.inputs["userid"], self.inputs["tokenName"])


@dataclass(frozen=True)
class AclDecl:
    """An `acls` item: the AclEntry resource's inputs and the user or token entry it names."""

    key: str
    """Resource name: `<server>:<path>:<authId>:<role>` (the entry's identity)."""
    inputs: dict[str, Any]
    token_key: str | None = None
    user_key: str | None = None


@dataclass(frozen=True)
class NamespaceDecl:
    """A `namespaces` item: the Namespace resource's inputs and the declared ancestors it needs."""

    key: str
    """Resource name: `<server>:<store>:<ns>`."""
    inputs: dict[str, Any]
    parent_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatastoreJobDecl(JobDecl):
    """A `pruneJobs` or `verifyJobs` entry, and the `namespaces` item it works in."""

    namespace_key: str | None = None


@dataclass(frozen=True)
class ReplicationDecl:
    """A `replications` entry: its args (endpoint defaults filled in), its expansion, and the
    `users`/`namespaces` entries it reuses instead of creating its own."""

    key: str
    args: ReplicationArgs
    plan: ReplicationPlan
    user_key: str | None = None
    namespace_key: str | None = None
    fingerprint_from: str | None = None
    """The other server, when its certificate must be pinned (read at deploy time)."""


@dataclass
class StackConfig:
    """The validated stack config."""

    servers: ServerDirectory
    remotes: dict[str, RemoteDecl] = field(default_factory=dict)
    sync_jobs: dict[str, SyncJobDecl] = field(default_factory=dict)
    users: dict[str, UserDecl] = field(default_factory=dict)
    tokens: dict[str, TokenDecl] = field(default_factory=dict)
    acls: dict[str, AclDecl] = field(default_factory=dict)
    namespaces: dict[str, NamespaceDecl] = field(default_factory=dict)
    replications: dict[str, ReplicationDecl] = field(default_factory=dict)
    prune_jobs: dict[str, DatastoreJobDecl] = field(default_factory=dict)
    verify_jobs: dict[str, DatastoreJobDecl] = field(default_factory=dict)


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
    schema: type[PbsObject],
    path: str,
    inputs: dict[str, Any],
    unknown: set[str],
    renamed: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[str]:
    """One line per failed rule of the entry's schema; a required key that is missing because it
    was mistyped (`renamed`: already reported with "did you mean") is not reported again, nor are
    the rules about it."""
    result = schema.validate_inputs(inputs, unknown=unknown)
    return [
        f"{path}.{failure.field}: {_rule(failure.field, failure.message)}"
        for failure in result.failures
        if failure.field not in renamed
    ]


def _rule(field_name: str, message: str) -> str:
    """A schema message without its leading field name (the key path names it already)."""
    for prefix in (f"`{field_name}`: ", f"`{field_name}` "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _keys(schema: type[PbsObject], *extra: str, without: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The keys a stack entry of `schema` may have: its inputs (minus `without`) and `extra`."""
    return (*(s.input_name for s in schema.input_specs() if s.input_name not in without), *extra)


REMOTE_KEYS = _keys(RemoteSchema, "fingerprintFrom", "passwordFromToken", without=("password",))
SYNC_JOB_KEYS = _keys(SyncJobSchema)
PRUNE_JOB_KEYS = _keys(PruneJobSchema)
VERIFY_JOB_KEYS = _keys(VerifyJobSchema)
USER_KEYS = _keys(UserSchema, without=("password",))
TOKEN_KEYS = _keys(ApiTokenSchema)
ACL_KEYS = _keys(AclEntrySchema)
NAMESPACE_KEYS = _keys(NamespaceSchema)
SERVER_KEYS = tuple(to_camel(name) for name in ServerEntry.model_fields)
RETRY_KEYS = tuple(to_camel(name) for name in RetrySettings.model_fields)
SIDE_KEYS = tuple(ReplicationSide.model_fields)
REPLICATION_KEYS = (*sorted(to_camel(name) for name in ReplicationArgs.model_fields), *JOB_OPTIONS)
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    SERVERS_KEY: SERVER_KEYS,
    REPLICATIONS_KEY: REPLICATION_KEYS,
    REMOTES_KEY: REMOTE_KEYS,
    SYNC_JOBS_KEY: SYNC_JOB_KEYS,
    USERS_KEY: USER_KEYS,
    TOKENS_KEY: TOKEN_KEYS,
    ACLS_KEY: ACL_KEYS,
    NAMESPACES_KEY: NAMESPACE_KEYS,
    PRUNE_JOBS_KEY: PRUNE_JOB_KEYS,
    VERIFY_JOBS_KEY: VERIFY_JOB_KEYS,
}
"""The keys of an entry of each section."""


CLIENT_HINTS = {
    "caFile": "; give the path of the PEM file of the CA that signed the server's certificate (relative to "
    "the project directory), or pin `fingerprint` instead",
}
"""What to do, for the client settings whose rule alone does not say it."""


def unknown_key(path: str, key: str, known: tuple[str, ...], what: str) -> str:
    """The line for a key that does not exist: the likely meant one, or the list to choose from."""
    match = closest(key, known)
    if match is not None:
        return f"{path}.{key}: not a key of {what}; did you mean `{match}`?"
    return f"{path}.{key}: not a key of {what}; remove it or use one of: {', '.join(known)}"


def _ident(kind: str, *parts: Any) -> tuple[str, ...]:
    """A PBS object's identity for duplicate checks; values are text even where the config (wrongly,
    and reported as such by the schema check) holds a list or a map."""
    return (kind, *(str(p) for p in parts))


class _Loader:
    """Reads and checks the whole config; collects problems instead of stopping at the first."""

    def __init__(
        self, get: Callable[[str], Any], is_secret: Callable[[str], bool], environ: Mapping[str, str]
    ):
        self.get, self.is_secret, self.environ = get, is_secret, environ
        self.problems: list[str] = []
        self.broken: dict[str, set[str]] = {}
        """Sections that could not be read (value: {""}) or their unreadable entries: references
        into them are not reported again."""
        self.server_secrets: dict[str, Any] = {}
        self.server_entries: dict[str, ServerEntry] = {}
        """Valid `servers` entries whose client settings are not checked yet (at their first use)."""
        self.missing_secrets: set[str] = set()

    def map(self, key: str) -> dict[str, Any]:
        before = len(self.problems)
        value = _parse_json(self.get(key), key, self.problems, dict)
        if len(self.problems) > before:
            self.broken.setdefault(key, set()).add("")
        for name, entry in value.items():
            if key not in SECRET_MAPS and not isinstance(entry, dict):
                self.problems.append(f"{key}.{name}: must be a map of settings, got {type(entry).__name__}")
                self.broken.setdefault(key, set()).add(name)
        return {k: v for k, v in value.items() if key in SECRET_MAPS or isinstance(v, dict)}

    def is_broken(self, key: str, name: Any = "") -> bool:
        """Whether section `key` (or its entry `name`) was unreadable, so references are moot."""
        broken = self.broken.get(key, set())
        return "" in broken or name in broken

    def unknown_keys(self, path: str, inputs: dict[str, Any], known: tuple[str, ...], what: str) -> set[str]:
        """Report (one line each) and drop the keys of `inputs` that are not `known`; return the keys
        they were likely meant as, so that those are not reported missing as well."""
        meant: set[str] = set()
        for key in [k for k in inputs if k not in known and not str(k).startswith("__")]:
            self.problems.append(unknown_key(path, str(key), known, what))
            inputs.pop(key)
            match = closest(str(key), known)
            if match is not None:
                meant.add(match)
        return meant

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
        """A reference to a server: an unknown name is reported here; a server's own problems once,
        under `servers.<name>`; a missing secret once, under `serverSecrets.<name>`."""
        if not isinstance(name, str) or not name or self.is_broken(SERVERS_KEY, name):
            return
        if name not in servers.names():
            known = ", ".join(f"`{n}`" for n in servers.names())
            match = closest(name, servers.names())
            hint = f"did you mean `{match}`?" if match else f"use one of {known}" if known else ""
            self.problems.append(
                f"{path}.server: no server `{name}` in `{SERVERS_KEY}`; "
                + (f"{hint} (or add it there with url and authId)" if hint else "add it there (url, authId)")
            )
            return
        if name in self.server_entries:
            self.client_settings(name, self.server_entries.pop(name))
        if (
            name not in self.missing_secrets
            and not self.server_secret(name)
            and not self.is_broken(SECRETS_KEY)
        ):
            self.missing_secrets.add(name)
            self.problems.append(
                f"{SECRETS_KEY}.{name}: missing (server `{name}` needs it): run `pulumi config set --secret "
                f"--path '{SECRETS_KEY}.{name}' <token secret or password>` or set the environment "
                f"variable {secret_env_var(name)}"
            )

    def client_settings(self, name: str, entry: ServerEntry) -> None:
        """The client settings of a server the stack uses (URL, TLS, timeouts, the secret's form),
        checked once, at its first use, and reported under `servers.<name>`."""
        path = f"{SERVERS_KEY}.{name}"
        try:
            client_config(entry, self.server_secret(name) or "placeholder-secret")
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                loc = [to_camel(p) if isinstance(p, str) else str(p) for p in detail["loc"]]
                if loc[0] == "secret":
                    self.problems.append(f"{SECRETS_KEY}.{name}: {describe_error(detail, secret=True)}")
                elif loc[0] == "retry" and detail["type"] == "extra_forbidden":
                    self.problems.append(unknown_key(f"{path}.retry", loc[-1], RETRY_KEYS, "`retry`"))
                else:
                    rule = describe_error(detail, secret=False).removeprefix(f"{loc[-1]} ")
                    self.problems.append(f"{path}.{'.'.join(loc)}: {rule}{CLIENT_HINTS.get(loc[0], '')}")

    def server_secret(self, name: str) -> str | None:
        secret = self.server_secrets.get(name)
        if not isinstance(secret, str) or not secret:
            secret = self.environ.get(secret_env_var(name))
        return secret or None

    def servers(self) -> None:
        """Each `servers` entry on its own: unknown keys and wrong values (the client settings —
        URL, TLS, timeouts — when the stack uses the server, `client_settings`)."""
        raw = self.map(SERVERS_KEY)
        for name, entry in raw.items():
            path = f"{SERVERS_KEY}.{name}"
            inputs = dict(entry)
            meant = self.unknown_keys(path, inputs, SERVER_KEYS, "a server entry")
            try:
                parsed = ServerEntry.model_validate(inputs)
            except ValidationError as error:
                for detail in error.errors(include_url=False):
                    where = ".".join(to_camel(p) if isinstance(p, str) else str(p) for p in detail["loc"])
                    if not (detail["type"] == "missing" and where in meant):
                        self.problems.append(f"{path}.{where}: {describe_error(detail, secret=False)}")
                continue
            self.server_entries[name] = parsed
        if not self.is_broken(SERVERS_KEY):
            for name in self.server_secrets:
                if name not in raw and not self.is_broken(SERVERS_KEY, name):
                    match = closest(name, raw)
                    hint = f"did you mean `{match}`? " if match else ""
                    self.problems.append(
                        f"{SECRETS_KEY}.{name}: no server `{name}` in `{SERVERS_KEY}`; {hint}rename or "
                        "remove this secret, or add the server"
                    )

    def remotes(
        self, servers: ServerDirectory, passwords: dict[str, Any], tokens: dict[str, TokenDecl]
    ) -> dict[str, RemoteDecl]:
        decls: dict[str, RemoteDecl] = {}
        seen: dict[tuple[str, str], str] = {}
        for key, entry in self.map(REMOTES_KEY).items():
            path = f"{REMOTES_KEY}.{key}"
            inputs = dict(entry)
            meant = self.unknown_keys(path, inputs, (*REMOTE_KEYS, "password"), "a remote")
            inputs.setdefault("name", key)
            fingerprint_from = inputs.pop("fingerprintFrom", None)
            token_ref = inputs.pop("passwordFromToken", None)
            token_key = self.password_token(path, key, inputs, token_ref, tokens, passwords)
            if "password" in inputs:
                self.problems.append(
                    f"{path}.password: passwords do not belong in `remotes` (it would be stored in "
                    f"plaintext): use `pulumi config set --secret --path '{REMOTE_PASSWORDS_KEY}.{key}' …`"
                )
                inputs.pop("password")
            password = passwords.get(key) or self.environ.get(remote_password_env_var(key))
            if (
                password is None
                and token_ref is None
                and "passwordFromToken" not in meant
                and not self.is_broken(REMOTE_PASSWORDS_KEY)
            ):
                self.problems.append(
                    f"{REMOTE_PASSWORDS_KEY}.{key}: missing (the password remote `{key}` logs in with): run "
                    f"`pulumi config set --secret --path '{REMOTE_PASSWORDS_KEY}.{key}' <password or token "
                    f"secret>`, set the environment variable {remote_password_env_var(key)}, or set "
                    "`passwordFromToken` to a `tokens` entry"
                )
            unknown = {"password"} if not isinstance(password, str) or not password else set()
            found = _entry_problems(RemoteSchema, path, {**inputs, "password": password}, unknown, meant)
            if any(p.startswith(f"{path}.name: ") for p in found):
                self.broken.setdefault(REMOTES_KEY, set()).add(key)  # a job naming it is not wrong too
            self.problems += found
            self.check_server(path, servers, inputs.get("server"))
            if fingerprint_from is not None:
                if "fingerprint" in inputs:
                    self.problems.append(f"{path}: set either `fingerprint` or `fingerprintFrom`, not both")
                elif not isinstance(fingerprint_from, str):
                    self.problems.append(f"{path}.fingerprintFrom: must be a server name (a string)")
                elif fingerprint_from not in servers.names() and not self.is_broken(SERVERS_KEY):
                    match = closest(fingerprint_from, servers.names())
                    known = ", ".join(f"`{n}`" for n in servers.names()) or "none"
                    hint = f"did you mean `{match}`?" if match else f"use one of {known}"
                    self.problems.append(
                        f"{path}.fingerprintFrom: no server {fingerprint_from!r} in `{SERVERS_KEY}`; {hint}"
                    )
            ident = (str(inputs.get("server")), str(inputs.get("name")))
            if ident in seen:
                self.problems.append(
                    f"{path}: remote {ident[1]!r} on server {ident[0]!r} is also declared as "
                    f"`{REMOTES_KEY}.{seen[ident]}`"
                )
            seen[ident] = key
            decls[key] = RemoteDecl(
                key,
                inputs,
                password if isinstance(password, str) and token_ref is None else None,
                fingerprint_from,
                token_key,
            )
        for key in passwords:
            if key not in decls and not self.is_broken(REMOTES_KEY, key):
                self.problems.append(self.orphan(REMOTE_PASSWORDS_KEY, key, "remote", REMOTES_KEY, decls))
        return decls

    @staticmethod
    def orphan(secret_map: str, key: str, noun: str, section: str, decls: Mapping[str, Any]) -> str:
        """A secret for an entry the stack does not declare."""
        match = closest(key, decls)
        hint = f"did you mean `{match}`? rename it, or" if match else "remove it, or"
        return f"{secret_map}.{key}: no {noun} {key!r} in `{section}`; {hint} declare the {noun} there"

    def password_token(
        self,
        path: str,
        key: str,
        inputs: dict[str, Any],
        token_ref: Any,
        tokens: dict[str, TokenDecl],
        passwords: dict[str, Any],
    ) -> str | None:
        """`passwordFromToken`: the `tokens` entry it names; `authId` defaults to that token's id."""
        if token_ref is None:
            return None
        token = tokens.get(token_ref) if isinstance(token_ref, str) else None
        if token is None and self.is_broken(TOKENS_KEY):
            return None
        if token is None:
            known = ", ".join(sorted(tokens)) or "none"
            match = closest(str(token_ref), tokens)
            hint = f"did you mean `{match}`? or " if match else ""
            self.problems.append(
                f"{path}.passwordFromToken: no token {token_ref!r} in `{TOKENS_KEY}` (declared: {known}); "
                f"{hint}declare the API token there so that its secret can be used"
            )
            return None
        inputs.setdefault("authId", token.token_id)
        if inputs["authId"] != token.token_id:
            self.problems.append(
                f"{path}.authId: is {inputs['authId']!r}, but the password is the secret of token "
                f"{token.token_id!r}: remove `authId` (it defaults to the token's id) or make them match"
            )
        if key in passwords or remote_password_env_var(key) in self.environ:
            self.problems.append(
                f"{path}: set either `passwordFromToken` or a password (`{REMOTE_PASSWORDS_KEY}.{key}` / "
                f"{remote_password_env_var(key)}), not both"
            )
        return token.key

    def sync_jobs(self, servers: ServerDirectory, remotes: dict[str, RemoteDecl]) -> dict[str, SyncJobDecl]:
        decls: dict[str, SyncJobDecl] = {}
        for key, path, inputs in self.job_entries(SYNC_JOBS_KEY, SyncJobSchema, servers):
            remote_key = None
            remote, server = inputs.get("remote"), inputs.get("server")
            named = [d for d in remotes.values() if d.name == remote]
            usable = servers.names()
            if isinstance(remote, str) and server in usable and not self.is_broken(REMOTES_KEY):
                matches = [d.key for d in named if d.server == server]
                if matches:
                    remote_key = matches[0]
                elif any(d.server not in usable for d in named) or self.is_broken(REMOTES_KEY, remote):
                    pass  # that remote's own `server` or `name` is what is wrong, and reported there
                else:
                    here = [
                        d.name for d in remotes.values() if d.server == server and isinstance(d.name, str)
                    ]
                    match = closest(remote, here)
                    hint = f"did you mean `{match}`? or " if match else ""
                    self.problems.append(
                        f"{path}.remote: no remote {remote!r} on server {server!r} in this stack; {hint}"
                        f"declare it under `{REMOTES_KEY}` (with `adopt: true` for one that exists on "
                        "the PBS)"
                    )
            decls[key] = SyncJobDecl(key, inputs, remote_key)
        return decls

    def job_entries(
        self, section: str, schema: type[PbsObject], servers: ServerDirectory
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(key, key path, inputs) of each entry of a job section, checked against `schema` (the key is
        the default `jobId`; two entries may not use one job id on one server)."""
        seen: dict[tuple[str, str], str] = {}
        for key, entry in self.map(section).items():
            path = f"{section}.{key}"
            inputs = dict(entry)
            meant = self.unknown_keys(path, inputs, SECTION_KEYS[section], f"a {schema.noun}")
            inputs.setdefault("jobId", key)
            self.problems += _entry_problems(schema, path, inputs, set(), meant)
            self.check_server(path, servers, inputs.get("server"))
            ident = (str(inputs.get("server")), str(inputs.get("jobId")))
            if ident in seen:
                self.problems.append(
                    f"{path}: job id {ident[1]!r} on server {ident[0]!r} is also used by "
                    f"`{section}.{seen[ident]}`; give one of them another `jobId`"
                )
            seen[ident] = key
            yield key, path, inputs

    def datastore_jobs(
        self,
        section: str,
        schema: type[PbsObject],
        servers: ServerDirectory,
        namespaces: dict[str, NamespaceDecl],
    ) -> dict[str, DatastoreJobDecl]:
        """`pruneJobs` / `verifyJobs`: job id -> the job's inputs (the key is the default `jobId`)."""
        decls: dict[str, DatastoreJobDecl] = {}
        for key, _path, inputs in self.job_entries(section, schema, servers):
            place = (inputs.get("server"), inputs.get("store"), inputs.get("ns") or "")
            namespace_key = next(
                (
                    k
                    for k, n in namespaces.items()
                    if (n.inputs.get("server"), n.inputs.get("store"), n.inputs.get("ns")) == place
                ),
                None,
            )
            decls[key] = DatastoreJobDecl(key, inputs, namespace_key)
        return decls

    # ---- the target side --------------------------------------------------------------------

    def seq(self, key: str) -> list[tuple[int, dict[str, Any]]]:
        """The items of a list key (`acls`, `namespaces`), each with its index for key paths."""
        items = []
        for index, entry in enumerate(_parse_json(self.get(key), key, self.problems, list)):
            if isinstance(entry, dict):
                items.append((index, entry))
            else:
                self.problems.append(f"{key}.{index}: must be a map of settings, got {type(entry).__name__}")
        return items

    def no_inline_secret(self, path: str, secret_map: str, key: str, inputs: dict[str, Any]) -> None:
        if "password" in inputs:
            inputs.pop("password")
            self.problems.append(
                f"{path}.password: passwords do not belong here (it would be stored in plaintext): use "
                f"`pulumi config set --secret --path '{secret_map}.{key}' …`"
            )

    def users(self, servers: ServerDirectory, passwords: dict[str, Any]) -> dict[str, UserDecl]:
        decls: dict[str, UserDecl] = {}
        seen: dict[tuple[str, str], str] = {}
        for key, entry in self.map(USERS_KEY).items():
            path = f"{USERS_KEY}.{key}"
            inputs = dict(entry)
            meant = self.unknown_keys(path, inputs, (*USER_KEYS, "password"), "a user")
            inputs.setdefault("userid", key)
            self.no_inline_secret(path, USER_PASSWORDS_KEY, key, inputs)
            password = passwords.get(key) or self.environ.get(user_password_env_var(key))
            self.problems += _entry_problems(UserSchema, path, {**inputs, "password": password}, set(), meant)
            self.check_server(path, servers, inputs.get("server"))
            ident = (str(inputs.get("server")), str(inputs.get("userid")))
            if ident in seen:
                self.problems.append(
                    f"{path}: user {ident[1]!r} on server {ident[0]!r} is also declared as "
                    f"`{USERS_KEY}.{seen[ident]}`"
                )
            seen[ident] = key
            decls[key] = UserDecl(key, inputs, password if isinstance(password, str) else None)
        for key in passwords:
            if key not in decls and not self.is_broken(USERS_KEY, key):
                self.problems.append(self.orphan(USER_PASSWORDS_KEY, key, "user", USERS_KEY, decls))
        return decls

    def tokens(self, servers: ServerDirectory, users: dict[str, UserDecl]) -> dict[str, TokenDecl]:
        decls: dict[str, TokenDecl] = {}
        seen: dict[tuple[str, str], str] = {}
        for key, entry in self.map(TOKENS_KEY).items():
            path = f"{TOKENS_KEY}.{key}"
            inputs = dict(entry)
            meant = self.unknown_keys(path, inputs, TOKEN_KEYS, "an API token")
            if "userid" not in inputs or "tokenName" not in inputs:
                try:
                    auth = parse_authid(key)
                except PbsValueError:
                    auth = None
                if auth is None or auth.token is None:
                    self.problems.append(
                        f"{path}: name the entry by the token id (`user@realm!name`) or set `userid` and "
                        "`tokenName`"
                    )
                    continue
                inputs.setdefault("userid", auth.userid)
                inputs.setdefault("tokenName", auth.token)
            self.problems += _entry_problems(ApiTokenSchema, path, inputs, set(), meant)
            self.check_server(path, servers, inputs.get("server"))
            owner = [
                u.key
                for u in users.values()
                if (u.server, u.userid) == (inputs.get("server"), inputs["userid"])
            ]
            decl = TokenDecl(key, inputs, owner[0] if owner else None)
            ident = (str(decl.server), decl.token_id)
            if ident in seen:
                self.problems.append(
                    f"{path}: token {ident[1]!r} on server {ident[0]!r} is also declared as "
                    f"`{TOKENS_KEY}.{seen[ident]}`"
                )
            seen[ident] = key
            decls[key] = decl
        return decls

    def acls(
        self, servers: ServerDirectory, users: dict[str, UserDecl], tokens: dict[str, TokenDecl]
    ) -> dict[str, AclDecl]:
        decls: dict[str, AclDecl] = {}
        for index, entry in self.seq(ACLS_KEY):
            path = f"{ACLS_KEY}.{index}"
            inputs = dict(entry)
            meant = self.unknown_keys(path, inputs, ACL_KEYS, "an ACL entry")
            self.problems += _entry_problems(AclEntrySchema, path, inputs, set(), meant)
            self.check_server(path, servers, inputs.get("server"))
            server, auth_id = inputs.get("server"), inputs.get("authId")
            key = ":".join(str(inputs.get(k)) for k in ("server", "path", "authId", "role"))
            if key in decls:
                self.problems.append(
                    f"{path}: the same entry is also declared earlier in `{ACLS_KEY}` ({key})"
                )
                continue
            token = [t.key for t in tokens.values() if (t.server, t.token_id) == (server, auth_id)]
            user = [u.key for u in users.values() if (u.server, u.userid) == (server, auth_id)]
            decls[key] = AclDecl(key, inputs, token[0] if token else None, user[0] if user else None)
        return decls

    def namespaces(self, servers: ServerDirectory) -> dict[str, NamespaceDecl]:
        found: dict[str, dict[str, Any]] = {}
        for index, entry in self.seq(NAMESPACES_KEY):
            path = f"{NAMESPACES_KEY}.{index}"
            inputs = dict(entry)
            meant = self.unknown_keys(path, inputs, NAMESPACE_KEYS, "a namespace")
            self.problems += _entry_problems(NamespaceSchema, path, inputs, set(), meant)
            self.check_server(path, servers, inputs.get("server"))
            key = ":".join(str(inputs.get(k)) for k in ("server", "store", "ns"))
            if key in found:
                self.problems.append(
                    f"{path}: namespace {key} is also declared earlier in `{NAMESPACES_KEY}`"
                )
                continue
            found[key] = inputs
        decls = {}
        for key, inputs in found.items():
            ns = str(inputs.get("ns"))
            parents = [
                other
                for other, o in found.items()
                if (o.get("server"), o.get("store")) == (inputs.get("server"), inputs.get("store"))
                and ns.startswith(f"{o.get('ns')}/")
            ]
            decls[key] = NamespaceDecl(key, inputs, tuple(sorted(parents, key=len)))
        return decls

    def replications(self, servers: ServerDirectory, config: StackConfig) -> dict[str, ReplicationDecl]:
        decls: dict[str, ReplicationDecl] = {}
        remote_users: dict[tuple[str, str], str] = {}
        for key, raw in self.map(REPLICATIONS_KEY).items():
            path = f"{REPLICATIONS_KEY}.{key}"
            raw = dict(raw)
            meant = self.unknown_keys(path, raw, REPLICATION_KEYS, "a replication")
            for side in ("source", "target"):
                if isinstance(raw.get(side), dict):
                    raw[side] = dict(raw[side])
                    found = self.unknown_keys(f"{path}.{side}", raw[side], SIDE_KEYS, f"`{side}`")
                    meant |= {f"{side}.{k}" for k in found}
            try:
                args = ReplicationArgs.parse(raw, path)
            except InvalidReplication as invalid:
                meant |= {m for p in invalid.problems for m in re.findall(r"did you mean `([^`]+)`", p)}
                self.problems += [
                    p for p in invalid.problems if not any(p == f"{path}.{m}: is required" for m in meant)
                ]
                continue
            self.check_server(f"{path}.source", servers, args.source.server)
            self.check_server(f"{path}.target", servers, args.target.server)
            other = args.target if args.direction == "push" else args.source
            args, fingerprint_from = self.remote_endpoint(args, servers, other.server)
            plan = plan_replication(key, args)
            user_key, namespace_key = _reused(plan, config)
            if namespace_key is not None and args.delete_empty_namespace:
                self.problems.append(
                    f"{path}.deleteEmptyNamespace: the target namespace is `{NAMESPACES_KEY}` item "
                    f"{namespace_key}, which decides its own deletion (`deleteGroups`): drop this option"
                )
            decl = ReplicationDecl(key, args, plan, user_key, namespace_key, fingerprint_from)
            if args.remote_host is not None:  # else the other server is unusable, reported as such
                self.problems += plan_problems(plan, args, path)
                self.replication_children(path, decl)
            holder = remote_users.setdefault((plan.access_server, plan.userid), key)
            if holder != key:
                self.problems.append(f"{path}.user: {shared_user_reason(plan, holder)}")
            decls[key] = decl
        self.replication_collisions(config, decls)
        return decls

    def remote_endpoint(
        self, args: ReplicationArgs, servers: ServerDirectory, other: str
    ) -> tuple[ReplicationArgs, str | None]:
        """Fill `remoteHost`/`remotePort` from the other server's `url`; say whether its
        certificate fingerprint must be read (self-signed) when none is given."""
        if servers.problem(other) is not None:
            return args, None
        reach = servers.server_config(other)
        update: dict[str, Any] = {}
        if args.remote_host is None:
            update["remote_host"] = reach.host
            if args.remote_port is None and reach.port != DEFAULT_PORT:
                update["remote_port"] = reach.port
        pin = args.remote_fingerprint is None and needs_fingerprint(servers.entries[other])
        return (args.model_copy(update=update) if update else args), (other if pin else None)

    def replication_children(self, path: str, decl: ReplicationDecl) -> None:
        """Validate every child the replication would register with the child's own schema."""
        plan = decl.plan
        children: list[tuple[str, type[PbsObject], dict[str, Any], set[str]]] = []
        if plan.user is not None and decl.user_key is None:
            children.append(("user", UserSchema, plan.user, set()))
        children.append(("token", ApiTokenSchema, plan.token, set()))
        children += [("ACL entry", AclEntrySchema, acl, set()) for acl in plan.acls]
        if plan.namespace is not None and decl.namespace_key is None:
            children.append(("namespace", NamespaceSchema, plan.namespace, set()))
        remote = {**plan.remote, "authId": plan.token_id, "password": None}
        pinned = {"fingerprint"} if decl.fingerprint_from else set()
        children.append(("remote", RemoteSchema, remote, {"password", *pinned}))
        children.append(("job", SyncJobSchema, plan.job, set()))
        if plan.prune_job_inputs is not None:
            children.append(("prune job", PruneJobSchema, plan.prune_job_inputs, set()))
        if plan.verify_job_inputs is not None:
            children.append(("verify job", VerifyJobSchema, plan.verify_job_inputs, set()))
        # the options the entry sets itself: a failure names their key path
        own = {
            "job": ("", set(plan.options)),
            "prune job": ("retention.", set(decl.args.target_job_options("retention") or ())),
            "verify job": ("verify.", set(decl.args.target_job_options("verify") or ())),
        }
        for child, schema, inputs, unknown in children:
            for failure in schema.validate_inputs(inputs, unknown=unknown).failures:
                message = _rule(failure.field, failure.message)
                prefix, options = own.get(child, ("", set()))
                if failure.field in options:
                    self.problems.append(f"{path}.{prefix}{failure.field}: {message}")
                else:
                    self.problems.append(f"{path}: its {child} `{failure.field}`: {message}")

    def replication_collisions(self, config: StackConfig, decls: dict[str, ReplicationDecl]) -> None:
        """The PBS objects a replication creates must not also be declared elsewhere in the stack."""
        owners: dict[tuple[str, ...], str] = {}
        for r in config.remotes.values():
            owners[_ident("remote", r.server, r.name)] = f"`{REMOTES_KEY}.{r.key}`"
        for j in config.sync_jobs.values():
            owners[_ident("sync job", j.server, j.job_id)] = f"`{SYNC_JOBS_KEY}.{j.key}`"
        for t in config.tokens.values():
            owners[_ident("API token", t.server, t.token_id)] = f"`{TOKENS_KEY}.{t.key}`"
        for noun, section, jobs in (
            ("prune job", PRUNE_JOBS_KEY, config.prune_jobs),
            ("verify job", VERIFY_JOBS_KEY, config.verify_jobs),
        ):
            for d in jobs.values():
                owners[_ident(noun, d.server, d.job_id)] = f"`{section}.{d.key}`"
        for a in config.acls.values():
            i = a.inputs
            owners[_ident("ACL entry", *(i.get(k) for k in ("server", "path", "authId", "role")))] = (
                f"`{ACLS_KEY}`"
            )
        for key, decl in decls.items():
            plan = decl.plan
            made = [
                _ident("remote", plan.job_server, plan.remote["name"]),
                _ident("sync job", plan.job_server, plan.job["jobId"]),
                _ident("API token", plan.access_server, plan.token_id),
                *(_ident("ACL entry", a["server"], a["path"], a["authId"], a["role"]) for a in plan.acls),
                *(
                    _ident(noun, job["server"], job["jobId"])
                    for noun, job in (
                        ("prune job", plan.prune_job_inputs),
                        ("verify job", plan.verify_job_inputs),
                    )
                    if job is not None
                ),
            ]
            for ident in made:
                holder = owners.setdefault(ident, f"`{REPLICATIONS_KEY}.{key}`")
                if holder != f"`{REPLICATIONS_KEY}.{key}`":
                    what = f"{ident[0]} {' '.join(repr(p) for p in ident[2:])} on server {ident[1]!r}"
                    self.problems.append(
                        f"{REPLICATIONS_KEY}.{key}: creates {what}, which {holder} also declares: remove one "
                        "(or give the replication another `remoteName`/`jobId`/`tokenName`, or its "
                        "`retention`/`verify` another `jobId`)"
                    )

    def load(self, all_keys: list[str]) -> StackConfig:
        prefix = f"{NAMESPACE}:"
        for full in sorted(all_keys):
            key = full[len(prefix) :]
            if full.startswith(prefix) and key not in KNOWN_KEYS:
                match = closest(key, KNOWN_KEYS)
                known = ", ".join(KNOWN_KEYS)
                hint = f"did you mean `{match}`?" if match else f"remove it or use one of: {known}"
                if match is not None and f"{prefix}{match}" not in all_keys:
                    self.broken.setdefault(match, set()).add("")  # its absence is this problem
                self.problems.append(f"{key}: not a config key of this project; {hint}")
        secret_maps = {key: self.map(key) for key in SECRET_MAPS}
        for key, values in secret_maps.items():
            self.check_secret_map(key, values)
        self.server_secrets = secret_maps[SECRETS_KEY]
        self.servers()
        servers = ServerDirectory.parse(self.get(SERVERS_KEY), secret_maps[SECRETS_KEY], self.environ)
        config = StackConfig(servers=servers)
        config.users = self.users(servers, secret_maps[USER_PASSWORDS_KEY])
        config.tokens = self.tokens(servers, config.users)
        config.remotes = self.remotes(servers, secret_maps[REMOTE_PASSWORDS_KEY], config.tokens)
        config.sync_jobs = self.sync_jobs(servers, config.remotes)
        config.acls = self.acls(servers, config.users, config.tokens)
        config.namespaces = self.namespaces(servers)
        config.prune_jobs = self.datastore_jobs(PRUNE_JOBS_KEY, PruneJobSchema, servers, config.namespaces)
        config.verify_jobs = self.datastore_jobs(VERIFY_JOBS_KEY, VerifyJobSchema, servers, config.namespaces)
        config.replications = self.replications(servers, config)
        if self.problems:
            raise StackConfigError(self.problems)
        return config


def _reused(plan: ReplicationPlan, config: StackConfig) -> tuple[str | None, str | None]:
    """The `users` entry and `namespaces` item a replication uses instead of creating its own."""
    user_key = next(
        (
            u.key
            for u in config.users.values()
            if plan.user is not None and (u.server, u.userid) == (plan.access_server, plan.userid)
        ),
        None,
    )
    wanted = plan.namespace or {}
    namespace_key = next(
        (
            n.key
            for n in config.namespaces.values()
            if wanted and all(n.inputs.get(k) == wanted[k] for k in ("server", "store", "ns"))
        ),
        None,
    )
    return user_key, namespace_key


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
