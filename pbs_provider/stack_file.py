"""A stack's config read from its files, the way the Pulumi CLI hands it to the program — for the
project's own commands (`python -m pbs_provider run|doctor --stack <stack>`), which run without the
Pulumi CLI.

`Pulumi.yaml` gives the project name, `stackConfigDir` and the declared keys' defaults;
`<stackConfigDir>/Pulumi.<stack>.yaml` the values. `secure:` values (also nested, as `pulumi config
set --secret --path` writes them) are decrypted with the passphrase secrets provider: the passphrase
comes from `PULUMI_CONFIG_PASSPHRASE` or the file named by `PULUMI_CONFIG_PASSPHRASE_FILE`, as for
the CLI. A stack of another secrets provider (cloud KMS, Pulumi Cloud) cannot be decrypted here: its
`secure:` values are left out, so the environment fallbacks (`PBS_SERVER_SECRET_<SERVER>`,
`PBS_REMOTE_PASSWORD_<REMOTE>`) apply. A relative `caFile` is resolved against the project
directory (the program runs there). The result goes through `load_stack_config`, so the CLI sees
exactly the config — and the problems — the program would.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pbs_provider.passphrase import PassphraseCrypter, PassphraseError
from pbs_provider.servers import SERVERS_KEY
from pbs_provider.stack_config import NAMESPACE, StackConfig, load_stack_config

PASSPHRASE_ENV = "PULUMI_CONFIG_PASSPHRASE"
PASSPHRASE_FILE_ENV = "PULUMI_CONFIG_PASSPHRASE_FILE"


class StackFileError(ValueError):
    """The stack's files cannot be read (missing, not YAML, secrets that cannot be decrypted)."""


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: the working directory) with a
    `Pulumi.yaml`, or else the directory this package is installed in."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    return Path(__file__).resolve().parents[1]


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


@dataclass(frozen=True)
class StackFile:
    """The config values of one stack (project keys without their namespace, decrypted)."""

    project_dir: Path
    stack: str
    values: Mapping[str, Any] = field(repr=False)
    secret_keys: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    """Things the reader had to leave out (e.g. secrets of another secrets provider)."""

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def is_secret(self, key: str) -> bool:
        return key in self.secret_keys

    def all_keys(self) -> list[str]:
        return [f"{NAMESPACE}:{key}" for key in self.values]

    def load(self, environ: Mapping[str, str] | None = None) -> StackConfig:
        """The validated stack config; raises `StackConfigError` with every problem."""
        return load_stack_config(self.get, self.is_secret, self.all_keys(), environ)


class _Decrypter:
    """Decrypts `secure:` values on first need (the key derivation is slow on purpose)."""

    def __init__(self, settings: Mapping[str, Any], stack: str, environ: Mapping[str, str]) -> None:
        self.settings, self.stack, self.environ = settings, stack, environ
        self._crypter: PassphraseCrypter | None = None
        provider = str(settings.get("secretsprovider") or "passphrase")
        self.foreign = provider != "passphrase" and not provider.startswith("passphrase")

    def crypter(self, key: str) -> PassphraseCrypter:
        if self._crypter is None:
            salt = self.settings.get("encryptionsalt")
            if not isinstance(salt, str):
                raise StackFileError(
                    f"stack `{self.stack}`: `{key}` holds `secure:` values but the stack file has no "
                    "`encryptionsalt` (was it written by `pulumi config set --secret`?)"
                )
            try:
                self._crypter = PassphraseCrypter(self.passphrase(key), salt)
            except PassphraseError as error:
                raise StackFileError(f"stack `{self.stack}`: cannot decrypt `{key}`: {error}") from None
        return self._crypter

    def passphrase(self, key: str) -> str:
        value = self.environ.get(PASSPHRASE_ENV)
        if value is None and self.environ.get(PASSPHRASE_FILE_ENV):
            try:
                value = Path(self.environ[PASSPHRASE_FILE_ENV]).read_text().rstrip("\r\n")
            except OSError as error:
                raise StackFileError(f"cannot read {PASSPHRASE_FILE_ENV}: {error.strerror}") from None
        if value is None:
            raise StackFileError(
                f"stack `{self.stack}`: `{key}` is encrypted: set {PASSPHRASE_ENV} (or "
                f"{PASSPHRASE_FILE_ENV}) to the stack's passphrase, as for `pulumi up`"
            )
        return value

    def decrypt(self, value: Any, key: str) -> Any:
        if isinstance(value, dict) and set(value) == {"secure"}:
            return self.crypter(key).decrypt(str(value["secure"]))
        if isinstance(value, dict):
            return {k: self.decrypt(v, key) for k, v in value.items()}
        if isinstance(value, list):
            return [self.decrypt(v, key) for v in value]
        return value


def _absolute_ca_files(servers: Any, project_dir: Path) -> Any:
    """`servers.<name>.caFile` relative to the project directory, made absolute."""
    if not isinstance(servers, dict):
        return servers
    resolved = {}
    for name, entry in servers.items():
        if isinstance(entry, dict) and isinstance(entry.get("caFile"), str):
            entry = {**entry, "caFile": str(project_dir / Path(entry["caFile"]).expanduser())}
        resolved[name] = entry
    return resolved


def read_stack_file(project_dir: Path, stack: str, environ: Mapping[str, str] | None = None) -> StackFile:
    """Read stack `stack` of the project in `project_dir` (see the module docstring)."""
    env = os.environ if environ is None else environ
    try:
        project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise StackFileError(f"cannot read {project_dir / 'Pulumi.yaml'}: {error}") from None
    name = str(project.get("name", NAMESPACE))
    path = project_dir / str(project.get("stackConfigDir", ".")) / f"Pulumi.{stack}.yaml"
    try:
        settings = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise StackFileError(f"no stack `{stack}`: {path} does not exist") from None
    except (OSError, yaml.YAMLError) as error:
        raise StackFileError(f"cannot read {path}: {error}") from None
    values: dict[str, Any] = {}
    for key, declared in (project.get("config") or {}).items():
        if isinstance(declared, dict) and "default" in declared:
            values[key] = declared["default"]
    decrypter = _Decrypter(settings, stack, env)
    secret_keys: set[str] = set()
    notes: list[str] = []
    for full, value in (settings.get("config") or {}).items():
        namespace, _, key = str(full).rpartition(":")
        if namespace not in ("", name):
            continue  # another package's config (e.g. `aws:region`)
        if _has_secure(value):
            if decrypter.foreign:
                notes.append(
                    f"`{key}` is encrypted by the `{settings.get('secretsprovider')}` secrets provider, "
                    "which only the Pulumi CLI can decrypt: its values come from the environment here"
                )
                values.pop(key, None)
                continue
            secret_keys.add(key)
            value = decrypter.decrypt(value, key)
        values[key] = value
    if SERVERS_KEY in values:
        values[SERVERS_KEY] = _absolute_ca_files(values[SERVERS_KEY], project_dir)
    return StackFile(project_dir, stack, values, frozenset(secret_keys), tuple(notes))
