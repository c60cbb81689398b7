"""Transport security, through the real program: what a stack's `servers` entry lets through.

* TLS verification is on by default: an entry with neither `fingerprint` nor `caFile` refuses the
  simulator's self-signed certificate, with a hint that says how to trust it;
* a wrong pinned fingerprint is refused, with a hint about a changed certificate;
* a plain `http://` URL is a config error before anything is registered;
* the positive controls: the right pin and the certificate as `caFile` work, and
  `verifyTls: false` works only with a loud warning.

A refused connection must not carry a single API request (the request log stays empty) and must
fail the run with the provider's clear message, not a traceback of another exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from offline_engine import engine
from pbs_sim.testing import SimHandle, start_simulator
from tests.program.stacks import PROJECT, StackRun

from .engine_hooks import PluginLog, run_verb
from .report import REPORT

REMOTE = {"server": "onprem", "host": "pbs-cloud.example.com", "authId": "sync@pbs!tls"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    with start_simulator(tmp_path_factory.mktemp("tls"), datastores=["store1"], node="onprem") as handle:
        yield handle


def deploy(tmp: Path, sim: SimHandle, server: dict[str, Any]) -> tuple[engine.Result, PluginLog, list[dict]]:
    """`up` of a stack with one remote on `onprem`, reached through `server`."""
    stack = StackRun("reliability", tmp, {"onprem": sim})
    stack.set(
        servers={"onprem": server}, remotes={"tls-remote": REMOTE}, remotePasswords={"tls-remote": "pw"}
    )
    sim.clear_request_log()
    plugins = PluginLog()
    result = run_verb("up", str(PROJECT), stack.state, plugin_log=plugins, **stack.kwargs())
    log = sim.request_log()
    if result.ok:  # leave the simulator empty for the next case
        run_verb("destroy", str(PROJECT), stack.state, **stack.kwargs())
    return result, plugins, log


def refused(result: engine.Result, log: list[dict], *words: str) -> list[str]:
    """What is wrong with a refusal (empty: refused clearly, without any request)."""
    problems = []
    if result.ok:
        problems.append("the run succeeded")
    errors = "\n".join(d for d in result.diagnostics if d.startswith("error:"))
    last = errors.strip().splitlines()[-1] if errors.strip() else ""
    if "ProviderError: cannot create remote `tls-remote` on server `onprem`" not in errors:
        problems.append(f"not the provider's clear error: {last}")
    problems += [f"the message does not say {w!r}" for w in words if w not in errors]
    if log:
        problems.append(f"{len(log)} request(s) reached the API")
    return problems


def case(name: str, check: Callable[[], list[str]]) -> None:
    REPORT.transport_checks += 1
    problems = check()
    if not problems:
        REPORT.transport_passed += 1
    assert not problems, f"{name}: " + "; ".join(problems)


def test_verification_is_on_by_default(tmp_path: Path, sim: SimHandle) -> None:
    def check() -> list[str]:
        result, _, log = deploy(tmp_path, sim, {"url": sim.url, "authId": sim.admin_token_id})
        return refused(result, log, "not trusted", "`fingerprint`", "`caFile`", sim.fingerprint)

    case("self-signed certificate without pin or CA file", check)


def test_wrong_pin_is_refused(tmp_path: Path, sim: SimHandle) -> None:
    wrong = ":".join(["ab"] * 32)

    def check() -> list[str]:
        server = {"url": sim.url, "authId": sim.admin_token_id, "fingerprint": wrong}
        result, _, log = deploy(tmp_path, sim, server)
        return refused(
            result, log, "does not match the pinned fingerprint", "certificate changed", sim.fingerprint
        )

    case("wrong pinned fingerprint", check)


def test_plain_http_is_a_config_error(tmp_path: Path, sim: SimHandle) -> None:
    def check() -> list[str]:
        url = sim.url.replace("https://", "http://")
        result, _, log = deploy(tmp_path, sim, {"url": url, "authId": sim.admin_token_id})
        problems = [] if not result.ok else ["the run succeeded"]
        text = "\n".join(result.diagnostics)
        if "servers.onprem" not in text or "plain http" not in text:
            problems.append(f"no clear config error: {result.diagnostics[-1:]}")
        if result.steps:
            problems.append(f"resources were registered: {result.ops()}")
        if log:
            problems.append(f"{len(log)} request(s) reached the API")
        return problems

    case("http:// server URL", check)


def test_right_pin_and_ca_file_work(tmp_path: Path, sim: SimHandle) -> None:
    def check() -> list[str]:
        problems = []
        for trust in ({"fingerprint": sim.fingerprint.upper()}, {"caFile": str(sim.data_dir / "proxy.pem")}):
            result, _, _ = deploy(tmp_path, sim, {"url": sim.url, "authId": sim.admin_token_id, **trust})
            if not result.ok:
                problems.append(f"{sorted(trust)}: {result.diagnostics[-1:]}")
        return problems

    case("pinned fingerprint (any case) and CA file are accepted", check)


def test_verification_off_only_with_a_loud_warning(tmp_path: Path, sim: SimHandle) -> None:
    def check() -> list[str]:
        result, plugins, _ = deploy(
            tmp_path, sim, {"url": sim.url, "authId": sim.admin_token_id, "verifyTls": False}
        )
        problems = [] if result.ok else [f"the run failed: {result.diagnostics[-1:]}"]
        if "TLS VERIFICATION IS OFF" not in plugins.output():
            problems.append("no warning in the plugin's output")
        return problems

    case("verifyTls: false", check)
