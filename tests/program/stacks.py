"""Runs the real program (`__main__.py`) of a stack through the mini engine, against simulators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offline_engine import engine
from offline_engine.stack_config import stack_config
from pbs_provider.servers import SERVERS_KEY
from pbs_provider.stack_config import (
    ACLS_KEY,
    NAMESPACES_KEY,
    REMOTE_PASSWORDS_KEY,
    SECTION_KEYS,
    USER_PASSWORDS_KEY,
)
from pbs_sim.testing import SimHandle

PROJECT = Path(__file__).resolve().parents[2]
EMPTY: dict[str, Any] = {
    section: [] if section in (ACLS_KEY, NAMESPACES_KEY) else {}
    for section in (*SECTION_KEYS, REMOTE_PASSWORDS_KEY, USER_PASSWORDS_KEY)
    if section != SERVERS_KEY
}
"""Every section of the stack config but `servers`, empty: overrides what a stack file declares."""


def server_entry(sim: SimHandle) -> dict[str, str]:
    """A `servers` entry that reaches `sim` with its admin token, pinning its certificate."""
    return {"url": sim.url, "authId": sim.admin_token_id, "fingerprint": sim.fingerprint}


class StackRun:
    """One stack of the real project, with its state in `state_dir` and config overrides for the test."""

    def __init__(self, stack: str, state_dir: Path, sims: dict[str, SimHandle], **config: Any) -> None:
        self.stack = stack
        self.state = str(state_dir / f"{stack}.json")
        self.sims = sims
        self.overrides: dict[str, Any] = {"servers": {name: server_entry(sim) for name, sim in sims.items()}}
        self.secrets: dict[str, Any] = {"serverSecrets": {n: s.admin_token_secret for n, s in sims.items()}}
        self.set(**config)

    def set(self, **config: Any) -> None:
        """Override config keys (secret maps go to the secrets)."""
        for key, value in config.items():
            target = (
                self.secrets
                if key in ("serverSecrets", "remotePasswords", "userPasswords")
                else self.overrides
            )
            target[key] = value

    def kwargs(self) -> dict[str, Any]:
        cfg, secret_keys = stack_config(PROJECT, self.stack, overrides=self.overrides, secrets=self.secrets)
        return {"project": "pbs-replication", "stack": self.stack, "config": cfg, "secret_keys": secret_keys}

    def run(self, verb: str) -> engine.Result:
        return getattr(engine, verb)(str(PROJECT), self.state, **self.kwargs())

    def up(self) -> engine.Result:
        return self.run("up")

    def preview(self) -> engine.Result:
        return self.run("preview")

    def refresh(self) -> engine.Result:
        return self.run("refresh")

    def destroy(self) -> engine.Result:
        return self.run("destroy")

    def state_json(self) -> dict:
        return json.loads(Path(self.state).read_text())

    def resource(self, name: str) -> dict:
        return next(r for r in self.state_json()["resources"] if r["urn"].endswith(f"::{name}"))
