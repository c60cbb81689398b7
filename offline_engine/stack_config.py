"""Stack config as the Pulumi CLI hands it to a program: Pulumi.yaml + <stackConfigDir>/Pulumi.<stack>.yaml.

Mirrors `pkg/workspace/config.go` (mergeConfig, validateStackConfigValues) for what this project uses:
- keys without a namespace belong to the project; every value reaches the program as a string
  (objects and arrays as JSON, booleans as `true`/`false`);
- project-level `config:` declarations apply their `default`/`value` when the stack has no value,
  a declared key with neither is required ("Stack 'dev' is missing configuration value 'x'"),
  typed keys are type-checked ("must be of type 'object'"), `secret: true` keys must be encrypted;
- `secure:` values (also nested inside objects, as `pulumi config set --secret --path` writes them)
  are decrypted with the passphrase secrets provider; a key holding any secure value is a secret key.
Tests may also pass plaintext `secrets` (marked secret) and plain `overrides`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .passphrase import PassphraseCrypter


class ConfigError(Exception):
    """The CLI would refuse to run the program with this config."""


@dataclass(frozen=True)
class Project:
    """The parts of Pulumi.yaml the stand-in needs."""

    directory: Path
    name: str
    stack_config_dir: Path
    config: dict[str, dict]

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Project:
        directory = Path(directory).resolve()
        raw = yaml.safe_load((directory / "Pulumi.yaml").read_text()) or {}
        return cls(
            directory=directory,
            name=raw["name"],
            stack_config_dir=directory / raw.get("stackConfigDir", "."),
            config={
                k: (v if isinstance(v, dict) else {"default": v})
                for k, v in (raw.get("config") or {}).items()
            },
        )

    def key(self, k: str) -> str:
        return k if ":" in k else f"{self.name}:{k}"

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"


def _contains_secure(v: Any) -> bool:
    if isinstance(v, dict):
        return set(v) == {"secure"} or any(_contains_secure(x) for x in v.values())
    if isinstance(v, list):
        return any(_contains_secure(x) for x in v)
    return False


def _decrypt(v: Any, crypter: PassphraseCrypter | None, key: str) -> Any:
    if isinstance(v, dict) and set(v) == {"secure"}:
        if crypter is None:
            raise ConfigError(
                f"config {key} is encrypted: set PULUMI_CONFIG_PASSPHRASE or pass it via secrets="
            )
        return crypter.decrypt(v["secure"])
    if isinstance(v, dict):
        return {k: _decrypt(x, crypter, key) for k, x in v.items()}
    if isinstance(v, list):
        return [_decrypt(x, crypter, key) for x in v]
    return v


def encode_value(v: Any) -> str:
    """How a config value travels in PULUMI_CONFIG."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v) if isinstance(v, dict | list) else str(v)


_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def stack_config(
    program_dir: str | os.PathLike,
    stack: str,
    *,
    overrides: dict[str, Any] | None = None,
    secrets: dict[str, Any] | None = None,
    passphrase: str | None = None,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Returns (PULUMI_CONFIG mapping, secret keys) for `stack`, as the CLI would build them."""
    project = Project.load(program_dir)
    path = project.stack_file(stack)
    settings = (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}
    raw: dict[str, Any] = {project.key(k): v for k, v in (settings.get("config") or {}).items()}
    for k, v in (overrides or {}).items():
        raw[project.key(k)] = v
    plain_secrets = {project.key(k): v for k, v in (secrets or {}).items()}

    passphrase = passphrase if passphrase is not None else os.environ.get("PULUMI_CONFIG_PASSPHRASE")
    crypter = None
    if any(_contains_secure(v) for k, v in raw.items() if k not in plain_secrets):
        if passphrase is None or "encryptionsalt" not in settings:
            crypter = None
        else:
            crypter = PassphraseCrypter(passphrase, settings["encryptionsalt"])

    values: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for k, v in raw.items():
        if k in plain_secrets:
            continue
        if _contains_secure(v):
            secret_keys.add(k)
        values[k] = _decrypt(v, crypter, k)
    for k, v in plain_secrets.items():
        values[k] = v
        secret_keys.add(k)

    missing = []
    for decl_key, decl in sorted(project.config.items()):
        k = project.key(decl_key)
        if k not in values:
            if "value" in decl or "default" in decl:
                values[k] = decl.get("default", decl.get("value"))
            elif k.startswith(f"{project.name}:"):
                missing.append(decl_key)
            continue
        if decl.get("secret") and k not in secret_keys:
            raise ConfigError(
                f"Stack '{stack}' with configuration key '{decl_key}' must be encrypted as it's secret"
            )
        typ = decl.get("type")
        if typ and not _TYPE_CHECKS[typ](values[k]):
            raise ConfigError(f"Stack '{stack}' with configuration key '{decl_key}' must be of type '{typ}'")
    if missing:
        noun = "value" if len(missing) == 1 else "values"
        raise ConfigError(
            f"Stack '{stack}' is missing configuration {noun} {', '.join(repr(m) for m in missing)}"
        )
    return {k: encode_value(v) for k, v in values.items()}, tuple(sorted(secret_keys))
