"""Secrets: a whole lifecycle with recognisable secret values, then a search for them everywhere they
must not be.

Two simulators: `onprem` reached with an API token, `cloud` with a password login (`root@pam`).
The stack makes, on cloud, a user with a password, its API token and ACL entries; on onprem, a
remote whose password is that token's secret (`passwordFromToken`), a remote with a password from
`remotePasswords`, and a push job. The lifecycle: preview, up, refresh, preview; rotation of the
remote password, the user password and the token (`regenerate`); a failing update whose PBS error
echoes the new password back (as PBS's parameter errors quote values); destroy.

Secrets: both server secrets, both remote passwords, both user passwords, and the two token
secrets PBS generated (read from the state, where they belong, secret-wrapped). Searched, in
plain, base64 and percent-encoded form, in: the state file outside secret-wrapped values (after
every run), every decoded `__provider` blob, the plugin processes' stdout/stderr, the program's
output and every diagnostic and error message, and both simulators' request logs.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offline_engine import engine
from offline_engine import props as P
from pbs_sim.testing import SimHandle, start_simulator
from tests.program.stacks import PROJECT, StackRun

from .engine_hooks import PluginLog, run_verb
from .report import REPORT

MARK = uuid.uuid4().hex[:8]
SERVER_TOKEN = f"SECRET-server-token-{MARK}"
ROOT_PASSWORD = f"SECRET-root-password-{MARK}"
REMOTE_PW = [f"SECRET-remote-pw-1-{MARK}", f"SECRET-remote-pw-2-{MARK}"]
USER_PW = [f"SECRET-user-pw-1-{MARK}", f"SECRET-user-pw-2-{MARK}"]


def forms(secret: str) -> dict[str, str]:
    """The ways a secret could show up in text."""
    return {
        "plain": secret,
        "base64": base64.b64encode(secret.encode()).decode(),
        "url-encoded": urllib.parse.quote(secret, safe=""),
    }


def outside_secrets(value: Any) -> Any:
    """The state with every secret-wrapped value removed: what must hold no secret."""
    if isinstance(value, dict):
        if value.get(P.SIG_KEY) == P.SECRET_SIG:
            return None
        return {k: outside_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [outside_secrets(v) for v in value]
    return value


def provider_blobs(value: Any) -> Iterator[bytes]:
    """Every `__provider` value in the state, decoded (secret-wrapped or not)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "__provider":
                raw = item
                if isinstance(raw, dict) and raw.get(P.SIG_KEY) == P.SECRET_SIG:
                    raw = json.loads(raw["plaintext"])
                yield base64.b64decode(raw)
            else:
                yield from provider_blobs(item)
    elif isinstance(value, list):
        for item in value:
            yield from provider_blobs(item)


class Lifecycle:
    """The stack, its runs, and every place searched afterwards."""

    def __init__(self, tmp: Path, onprem: SimHandle, cloud: SimHandle) -> None:
        self.onprem, self.cloud = onprem, cloud
        self.stack = StackRun("reliability", tmp, {"onprem": onprem, "cloud": cloud})
        self.stack.set(
            servers={
                "onprem": {
                    "url": onprem.url,
                    "authId": onprem.admin_token_id,
                    "fingerprint": onprem.fingerprint,
                },
                "cloud": {"url": cloud.url, "authId": "root@pam", "fingerprint": cloud.fingerprint},
            },
            serverSecrets={"onprem": SERVER_TOKEN, "cloud": ROOT_PASSWORD},
        )
        self.plugins = PluginLog()
        self.places: list[tuple[str, bytes]] = []
        self.token_secrets: set[str] = set()

    def configure(self, version: int, user_version: int | None = None) -> None:
        cloud_port = self.cloud.port
        self.stack.set(
            users={"sync-in@pbs": {"server": "cloud", "comment": f"v{version}"}},
            userPasswords={"sync-in@pbs": USER_PW[(user_version or version) - 1]},
            tokens={"sync-in@pbs!push": {"server": "cloud", "regenerate": str(version)}},
            acls=[
                {"server": "cloud", "path": "/datastore/offsite", "authId": auth, "role": "DatastoreBackup"}
                for auth in ("sync-in@pbs", "sync-in@pbs!push")
            ],
            remotes={
                "cloud-token": {
                    "server": "onprem",
                    "host": "127.0.0.1",
                    "port": cloud_port,
                    "passwordFromToken": "sync-in@pbs!push",
                    "fingerprintFrom": "cloud",
                },
                "cloud-pw": {
                    "server": "onprem",
                    "host": "127.0.0.1",
                    "port": cloud_port,
                    "authId": "sync-in@pbs",
                    "fingerprintFrom": "cloud",
                    "comment": f"v{version}",
                },
            },
            remotePasswords={"cloud-pw": REMOTE_PW[version - 1]},
            syncJobs={
                "push-cloud": {
                    "server": "onprem",
                    "syncDirection": "push",
                    "store": "store1",
                    "remote": "cloud-token",
                    "remoteStore": "offsite",
                    "schedule": "hourly",
                }
            },
        )

    def run(self, verb: str) -> engine.Result:
        result = run_verb(
            verb, str(PROJECT), self.stack.state, plugin_log=self.plugins, **self.stack.kwargs()
        )
        self.places.append(
            (f"diagnostics of {verb} #{len(self.places)}", "\n".join(result.diagnostics).encode())
        )
        self.places.append((f"stack outputs of {verb}", json.dumps(result.outputs).encode()))
        path = Path(self.stack.state)
        if path.exists():
            state = json.loads(path.read_text())
            self.token_secrets |= {
                json.loads(r["outputs"]["secret"]["plaintext"])
                for r in state["resources"]
                if r["type"].endswith(":ApiToken") and "secret" in r.get("outputs", {})
            }
            self.places.append(
                (f"state after {verb}, outside secrets", json.dumps(outside_secrets(state)).encode())
            )
            for i, blob in enumerate(provider_blobs(state)):
                self.places.append((f"__provider blob {i} after {verb}", blob))
        return result

    def secrets(self) -> dict[str, str]:
        found = {
            "server token secret": SERVER_TOKEN,
            "server password": ROOT_PASSWORD,
            **{f"remote password {i + 1}": pw for i, pw in enumerate(REMOTE_PW)},
            **{f"user password {i + 1}": pw for i, pw in enumerate(USER_PW)},
        }
        found |= {f"token secret {i + 1}": s for i, s in enumerate(sorted(self.token_secrets))}
        return found

    def search(self) -> list[str]:
        places = [
            *self.places,
            ("plugin stdout/stderr", self.plugins.output().encode()),
            ("onprem request log", json.dumps(self.onprem.request_log()).encode()),
            ("cloud request log", json.dumps(self.cloud.request_log()).encode()),
        ]
        hits = []
        for name, secret in self.secrets().items():
            for form, text in forms(secret).items():
                hits += [f"{place}: {name} ({form})" for place, data in places if text.encode() in data]
        REPORT.secret_places += len(places)
        REPORT.secrets_found += len(hits)
        REPORT.secret_hits += hits
        return hits


@pytest.fixture
def lifecycle(tmp_path: Path) -> Iterator[Lifecycle]:
    with (
        start_simulator(
            tmp_path / "onprem", datastores=["store1"], node="onprem", admin_token_secret=SERVER_TOKEN
        ) as onprem,
        start_simulator(
            tmp_path / "cloud", datastores=["offsite"], node="cloud", root_password=ROOT_PASSWORD
        ) as cloud,
    ):
        yield Lifecycle(tmp_path, onprem, cloud)


def test_no_secret_leaks_anywhere(lifecycle: Lifecycle) -> None:
    life = lifecycle
    failed: list[str] = []

    def step(what: str, verb: str, expect_ok: bool = True) -> engine.Result:
        result = life.run(verb)
        if result.ok != expect_ok:
            failed.append(f"{what}: {verb} {'failed' if expect_ok else 'succeeded'}: {_last(result)}")
        return result

    life.configure(1)
    step("first preview", "preview")
    step("first up", "up")
    # control: the search finds what is there (the state holds these, secret-wrapped)
    full_state = Path(life.stack.state).read_bytes()
    assert REMOTE_PW[0].encode() in full_state and life.token_secrets
    assert all(forms(s)["plain"].encode() in full_state for s in life.token_secrets)
    step("refresh", "refresh")
    if life.run("preview").ops():
        failed.append("preview after refresh is not clean")
    life.configure(2, user_version=1)  # rotate the remote password and the token (`regenerate`)
    step("rotation of remote password and token", "up")
    if len(life.token_secrets) != 2:
        failed.append("the token was not regenerated")
    life.configure(2)  # rotate the user password (a password login may: `cloud` uses root@pam)
    step("rotation of the user password", "up")

    # a failing update whose PBS error quotes the password being set
    remotes = dict(life.stack.overrides["remotes"])
    remotes["cloud-pw"] = {**remotes["cloud-pw"], "comment": "v3"}
    life.stack.set(remotes=remotes, remotePasswords={"cloud-pw": REMOTE_PW[0]})
    life.onprem.inject_fault(
        method="PUT",
        path="/api2/json/config/remote/cloud-pw",
        status=400,
        body=f"parameter verification failed - 'password': value '{REMOTE_PW[0]}' is not accepted\n",
    )
    echoed = step("update refused by PBS", "up", expect_ok=False)
    if not any("cloud-pw" in d for d in echoed.diagnostics):
        failed.append("the refused update did not name the remote")
    step("destroy", "destroy")

    hits = life.search()
    assert hits == [], "\n".join(hits)
    assert not failed, "\n".join(failed)


def _last(result: engine.Result) -> str:
    errors = [d for d in result.diagnostics if d.startswith("error:")] or result.diagnostics or ["?"]
    return errors[-1].strip().splitlines()[-1]
