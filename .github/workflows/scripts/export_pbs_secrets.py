"""Exports one CI environment's PBS secrets as the environment variables the program falls back to.

Two optional CI secrets, each a JSON map of name to secret:

* `PBS_SERVER_SECRETS`: server name (stack config `servers`) -> token secret or password, exported
  as `PBS_SERVER_SECRET_<SERVER>` (used when `serverSecrets` has no entry);
* `PBS_REMOTE_PASSWORDS`: remote key (stack config `remotes`) -> password, exported as
  `PBS_REMOTE_PASSWORD_<REMOTE>` (used when `remotePasswords` has no entry).

Each value is masked in the job log (`::add-mask::`) and appended to $GITHUB_ENV, so the later
steps (the Pulumi program and its providers) see it. The variable names come from the program
(`pbs_provider`), so both sides agree; run it with the project's virtualenv (`.venv/bin/python`).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root

from pbs_provider.servers import secret_env_var
from pbs_provider.stack_config import remote_password_env_var

SECRET_MAPS: dict[str, Callable[[str], str]] = {
    "PBS_SERVER_SECRETS": secret_env_var,
    "PBS_REMOTE_PASSWORDS": remote_password_env_var,
}


def parse_secrets(variable: str, raw: str) -> dict[str, str]:
    """The JSON map of name -> secret in `variable`; errors never quote a secret value."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"{variable} is not JSON (line {error.lineno}, column {error.colno})") from None
    if not isinstance(value, Mapping):
        raise ValueError(f"{variable} must be a JSON object of name to secret")
    bad = sorted(str(k) for k, v in value.items() if not isinstance(v, str) or not v or "\n" in v)
    if bad:
        raise ValueError(f"{variable}: the secrets of {', '.join(bad)} must be non-empty one-line strings")
    return dict(value)


def github_env_block(variables: Mapping[str, str], delimiter: str) -> str:
    """$GITHUB_ENV lines setting every variable (heredoc form, so no value can inject a line)."""
    return "".join(
        f"{name}<<{delimiter}\n{value}\n{delimiter}\n" for name, value in sorted(variables.items())
    )


def variables_from(environ: Mapping[str, str]) -> dict[str, str]:
    """Every fallback variable to export, from the secret maps present in `environ`."""
    variables: dict[str, str] = {}
    for map_name, env_var in SECRET_MAPS.items():
        raw = environ.get(map_name, "").strip()
        if raw:
            variables |= {env_var(name): secret for name, secret in parse_secrets(map_name, raw).items()}
    return variables


def main() -> int:
    try:
        variables = variables_from(os.environ)
    except ValueError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    if not variables:
        print(f"none of {', '.join(SECRET_MAPS)} is set: the program uses the stack's own secrets.")
        return 0
    for value in variables.values():
        print(f"::add-mask::{value}")
    with open(os.environ["GITHUB_ENV"], "a", encoding="utf-8") as env:
        env.write(github_env_block(variables, f"EOF_{secrets.token_hex(16)}"))
    print("exported " + ", ".join(sorted(variables)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
