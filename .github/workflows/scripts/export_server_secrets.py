"""Exports one CI environment's PBS server secrets as `PBS_SERVER_SECRET_<SERVER>` variables.

The CI secret `PBS_SERVER_SECRETS` holds a JSON map of server name (as in the stack config's
`servers`) to its token secret or password. Each value is masked in the job log (`::add-mask::`)
and appended to $GITHUB_ENV, so the later steps (the Pulumi program and its providers) see it.
Without that secret nothing is exported and the stack's own `serverSecrets` are used. The variable
names come from the program (`pbs_provider.servers.secret_env_var`), so both sides agree; run it
with the project's virtualenv (`.venv/bin/python`).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root

from pbs_provider.servers import secret_env_var as env_name

SECRETS_VARIABLE = "PBS_SERVER_SECRETS"


def parse_secrets(raw: str) -> dict[str, str]:
    """The JSON map of server -> secret; errors never quote a secret value."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{SECRETS_VARIABLE} is not JSON (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(value, Mapping):
        raise ValueError(f"{SECRETS_VARIABLE} must be a JSON object of server name to secret")
    bad = sorted(str(k) for k, v in value.items() if not isinstance(v, str) or not v or "\n" in v)
    if bad:
        raise ValueError(
            f"{SECRETS_VARIABLE}: the secrets of {', '.join(bad)} must be non-empty one-line strings"
        )
    return dict(value)


def github_env_block(server_secrets: Mapping[str, str], delimiter: str) -> str:
    """$GITHUB_ENV lines setting every variable (heredoc form, so no value can inject a line)."""
    return "".join(
        f"{env_name(server)}<<{delimiter}\n{secret}\n{delimiter}\n"
        for server, secret in sorted(server_secrets.items())
    )


def main() -> int:
    raw = os.environ.get(SECRETS_VARIABLE, "").strip()
    if not raw:
        print(f"{SECRETS_VARIABLE} is not set: the providers use the stack's own serverSecrets.")
        return 0
    try:
        server_secrets = parse_secrets(raw)
    except ValueError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    for secret in server_secrets.values():
        print(f"::add-mask::{secret}")
    with open(os.environ["GITHUB_ENV"], "a", encoding="utf-8") as env:
        env.write(github_env_block(server_secrets, f"EOF_{secrets.token_hex(16)}"))
    print("exported " + ", ".join(env_name(server) for server in sorted(server_secrets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
