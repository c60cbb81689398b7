"""`make demo` / `make demo-stop`: the project's main job on two local PBS simulators, with or without Pulumi.

`make demo` starts (or reuses) two PBS simulators, "onprem" (127.0.0.1:18007) and "cloud" (:18008), with
backup content from scripts/demo-seed/ and the deploy identity `deploy@pbs!pulumi` (ACL role Admin on /
for user and token), then deploys the dev stack (stacks/Pulumi.dev.yaml): preview with the per-resource
plan, up, stack outputs, a second up that must change nothing, the preflight doctor, a run of both sync
jobs now, what arrived on each target datastore, a run of push-cloud's prune job on its target (the snapshots
it removed, checked against PBS's keep rules), and a closing summary.

The deployment is driven by a Pulumi CLI when there is one (on PATH at >= MINIMUM_VERSION, or installed
earlier into .pulumi-cli/, or installed there now with the SDK's installer); when the CLI cannot be had
(no internet, or PBS_REPLICATION_OFFLINE=1) by the offline engine (`python -m offline_engine`), a local
stand-in for the Pulumi engine that runs the same program and the same dynamic-provider plugin.
`make demo-stop` stops the simulators. Both are safe to repeat.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / ".demo"
CLI_DIR = ROOT / ".pulumi-cli"
STATE_DIR = ROOT / ".pulumi-state"
PY = ROOT / ".venv" / "bin" / "python"
STACK = "dev"
if str(ROOT) not in sys.path:  # the project's packages (pbs_types), when run as `python scripts/demo.py`
    sys.path.insert(0, str(ROOT))

PINNED_VERSION = "3.272.0"  # the CLI the demo installs: the SDK version of this project's venv
MINIMUM_VERSION = "3.216.0"  # the oldest CLI the program supports (requirements.txt: pulumi>=3.216)
OFFLINE_SWITCH = "PBS_REPLICATION_OFFLINE"
DOWNLOAD_TIMEOUT = 10.0  # seconds: a machine without internet is told so quickly, never after a long hang

DEPLOY_USER = "deploy@pbs"
DEPLOY_TOKEN = "deploy@pbs!pulumi"
OFFLINE_LABEL = "[offline engine]"


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    store: str
    secret_key: str  # the key in scripts/demo.env of the deploy token's secret

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca(self) -> Path:
        return DEMO_DIR / self.name / "proxy.pem"


SERVERS = (
    Server("onprem", 18007, "store1", "DEMO_ONPREM_TOKEN_SECRET"),
    Server("cloud", 18008, "offsite", "DEMO_CLOUD_TOKEN_SECRET"),
)
# The jobs the demo runs now, and the target datastore (server, store, namespace) each one fills.
JOBS = (("push-cloud", "cloud", "offsite", "onprem"), ("pull-templates", "onprem", "store1", "templates"))
PRUNED = JOBS[0]
"""The replication whose prune job (its `retention`) the demo runs on the target after the sync."""


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


def demo_env() -> dict[str, str]:
    """scripts/demo.env (DEMO ONLY secrets and the demo passphrase)."""
    values = {}
    for line in (ROOT / "scripts" / "demo.env").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


# ---- finding a Pulumi CLI ------------------------------------------------------------------------
@dataclass(frozen=True)
class Cli:
    """What drives the deployment: a Pulumi CLI (`path`) or the offline engine (`path` None)."""

    path: str | None
    version: str | None = None

    @property
    def offline(self) -> bool:
        return self.path is None


def version_tuple(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    if not match:
        raise ValueError(f"not a version: {text!r}")
    return tuple(int(part) for part in match.groups())


def cli_version(path: str) -> str | None:
    """`pulumi version` of the CLI at `path` (None when it does not answer)."""
    try:
        out = subprocess.run(
            [path, "version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
        version_tuple(out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return out.removeprefix("v").split()[0]


def sdk_installer(root: str, version: str) -> None:
    """The SDK's own installer (downloads get.pulumi.com/install.sh and runs it for `version` into `root`)."""
    from pulumi.automation import PulumiCommand
    from semver import VersionInfo

    PulumiCommand.install(root=root, version=VersionInfo.parse(version), skip_version_check=True)


@contextlib.contextmanager
def socket_timeout(seconds: float) -> Iterator[None]:
    """The installer's download has no timeout of its own: bound every socket it opens."""
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(before)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason).strip().splitlines()[0] if str(reason).strip() else type(error).__name__


def find_cli(
    out: TextIO,
    environ: dict[str, str] | None = None,
    installer: Callable[[str, str], None] = sdk_installer,
    cli_dir: Path = CLI_DIR,
) -> Cli:
    """A Pulumi CLI, in this order: `pulumi` on PATH (if new enough), one the demo installed earlier in
    `cli_dir`, one installed there now; else the offline engine (at once with PBS_REPLICATION_OFFLINE=1)."""
    environ = dict(os.environ if environ is None else environ)
    if environ.get(OFFLINE_SWITCH) == "1":
        print(f"{OFFLINE_SWITCH}=1: no Pulumi CLI download; running the demo in offline mode", file=out)
        return Cli(None)
    minimum = version_tuple(MINIMUM_VERSION)
    on_path = shutil.which("pulumi", path=environ.get("PATH", ""))
    if on_path:
        version = cli_version(on_path)
        if version and version_tuple(version) >= minimum:
            print(f"Pulumi CLI {version} found on PATH: {on_path}", file=out)
            return Cli(on_path, version)
        print(
            f"the pulumi on PATH ({on_path}) is {version or 'unreadable'}; this project needs "
            f">= {MINIMUM_VERSION}: using the demo's own CLI instead (upgrade: https://www.pulumi.com/docs/install/)",
            file=out,
        )
    local = cli_dir / "bin" / "pulumi"
    if local.exists():
        version = cli_version(str(local))
        if version and version_tuple(version) >= minimum:
            print(f"Pulumi CLI {version} installed earlier by the demo: {_shown(local)}", file=out)
            return Cli(str(local), version)
    print(
        f"installing the Pulumi CLI {PINNED_VERSION} into {_shown(cli_dir)}/ with the SDK's installer "
        f"(pulumi.automation.PulumiCommand.install; {OFFLINE_SWITCH}=1 skips this)",
        file=out,
        flush=True,
    )
    try:
        with socket_timeout(DOWNLOAD_TIMEOUT):
            installer(str(cli_dir), PINNED_VERSION)
        version = cli_version(str(local)) if local.exists() else None
        if not version:
            raise DemoError(f"the installer left no working {local}")
    except Exception as error:  # any failure to get the CLI means offline mode
        print(
            f"could not install the Pulumi CLI ({_reason(error)}): running the same demo in offline mode "
            "(the project's offline engine, a local stand-in for the Pulumi engine; see docs/demo.md)",
            file=out,
        )
        return Cli(None)
    print(f"Pulumi CLI {version} installed: {_shown(local)}", file=out)
    return Cli(str(local), version)


# ---- the simulators --------------------------------------------------------------------------------
def _alive(pidfile: Path) -> bool:
    """The process of `pidfile` runs and is a simulator of this demo (a recycled process id is not)."""
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # Linux: make sure it is ours
        words = cmdline.read_bytes().split(b"\0")
        return b"pbs_sim" in words and str(DEMO_DIR).encode() in b" ".join(words)
    return True


def start_simulator(server: Server, env: dict[str, str]) -> bool:
    """Start `server` unless it runs already (True when it was started now)."""
    data = DEMO_DIR / server.name
    data.mkdir(parents=True, exist_ok=True)
    pidfile, ready = DEMO_DIR / f"{server.name}.pid", DEMO_DIR / f"{server.name}.ready.json"
    if pidfile.exists() and _alive(pidfile):
        print(f"simulator {server.name} already running: {server.url}")
        return False
    ready.unlink(missing_ok=True)
    command = [
        str(PY),
        "-m",
        "pbs_sim",
        "--data-dir",
        str(data),
        "--port",
        str(server.port),
        "--node",
        server.name,
        "--root-password",
        env["DEMO_ROOT_PASSWORD"],
        "--datastore",
        server.store,
        "--token",
        f"{DEPLOY_TOKEN}={env[server.secret_key]}",
        "--seed-content",
        str(ROOT / "scripts" / "demo-seed" / f"{server.name}.yaml"),
    ]
    with open(ready, "w") as stdout, open(DEMO_DIR / f"{server.name}.log", "w") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr, start_new_session=True)
    pidfile.write_text(str(process.pid))
    deadline = time.monotonic() + 60
    while not ready.read_text().strip():  # the simulator prints one JSON line when it serves
        if process.poll() is not None:
            log = (DEMO_DIR / f"{server.name}.log").read_text()
            raise DemoError(f"simulator {server.name} failed to start:\n{log}")
        if time.monotonic() > deadline:
            raise DemoError(f"simulator {server.name} did not become ready; see {DEMO_DIR}/{server.name}.log")
        time.sleep(0.1)
    print(f"simulator {server.name} started: {server.url} (data and log in .demo/{server.name}/)")
    return True


def root_session(server: Server, env: dict[str, str]) -> requests.Session:
    """A root@pam session (password ticket), as an admin would use the GUI to set up the deploy identity."""
    session = requests.Session()
    session.trust_env = False  # no proxy; REQUESTS_CA_BUNDLE must not replace the simulator's CA
    session.verify = str(server.ca)
    answer = session.post(
        f"{server.url}/api2/json/access/ticket",
        data={"username": "root@pam", "password": env["DEMO_ROOT_PASSWORD"]},
        timeout=10,
    )
    answer.raise_for_status()
    ticket = answer.json()["data"]
    session.cookies.set("PBSAuthCookie", ticket["ticket"])
    session.headers["CSRFPreventionToken"] = ticket["CSRFPreventionToken"]
    return session


def ensure_deploy_identity(server: Server, env: dict[str, str]) -> None:
    """The user `deploy@pbs` with ACL role Admin on / (its token and the token's ACL: pbs_sim --token)."""
    session = root_session(server, env)
    api = f"{server.url}/api2/json/access"
    users = {u["userid"] for u in session.get(f"{api}/users", timeout=10).json()["data"]}
    if DEPLOY_USER not in users:
        session.post(
            f"{api}/users", data={"userid": DEPLOY_USER, "comment": "Pulumi deploys (make demo)"}, timeout=10
        ).raise_for_status()
    acl = session.get(f"{api}/acl", params={"path": "/", "exact": 1}, timeout=10).json()["data"]
    for authid in (DEPLOY_USER, DEPLOY_TOKEN):
        if not any(e["ugid"] == authid and e["roleid"] == "Admin" for e in acl):
            session.put(
                f"{api}/acl", data={"path": "/", "role": "Admin", "auth-id": authid}, timeout=10
            ).raise_for_status()


def stop_simulators() -> None:
    for server in SERVERS:
        pidfile = DEMO_DIR / f"{server.name}.pid"
        if pidfile.exists() and _alive(pidfile):
            pid = int(pidfile.read_text())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.1)
            print(f"stopped simulator {server.name}")
        pidfile.unlink(missing_ok=True)


# ---- reading the datastores --------------------------------------------------------------------------
def deploy_session(server: Server, env: dict[str, str]) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca)
    session.headers["Authorization"] = f"PBSAPIToken={DEPLOY_TOKEN}:{env[server.secret_key]}"
    return session


def groups(server: Server, store: str, env: dict[str, str]) -> dict[tuple[str, str], tuple[int, str]]:
    """(namespace, group) -> (snapshot count, owner) in `store` of `server`, through the PBS API."""
    session = deploy_session(server, env)
    api = f"{server.url}/api2/json/admin/datastore/{store}"
    found = {}
    for item in session.get(f"{api}/namespace", timeout=10).json()["data"]:
        ns = item["ns"]
        params = {"ns": ns} if ns else None
        for group in session.get(f"{api}/groups", params=params, timeout=10).json()["data"]:
            key = (ns, f"{group['backup-type']}/{group['backup-id']}")
            found[key] = (group["backup-count"], group.get("owner", ""))
    return found


def snapshots(
    server: Server, store: str, anchor: str, env: dict[str, str]
) -> dict[tuple[str, str], list[int]]:
    """(namespace, group) -> its snapshot times (newest first) in `anchor` and below, through the PBS API."""
    session = deploy_session(server, env)
    api = f"{server.url}/api2/json/admin/datastore/{store}"
    found: dict[tuple[str, str], list[int]] = {}
    for item in session.get(f"{api}/namespace", timeout=10).json()["data"]:
        if below(item["ns"], anchor):
            for snap in session.get(f"{api}/snapshots", params={"ns": item["ns"]}, timeout=10).json()["data"]:
                key = (item["ns"], f"{snap['backup-type']}/{snap['backup-id']}")
                found.setdefault(key, []).append(snap["backup-time"])
    return {key: sorted(times, reverse=True) for key, times in found.items()}


def run_job_now(server: Server, kind: str, job: str, env: dict[str, str], timeout: float = 60) -> str:
    """Start job `job` (`kind`: prune, verify, sync) now and follow its task to the end, with the
    provider's client (`pbs_provider.tasks.follow_task`); the task's exit status (`OK`, `WARNINGS: n`, …)."""
    from pbs_provider.client import PbsError, ServerConfig, api_path, client_for
    from pbs_provider.tasks import TaskTimeout, follow_task

    secret = env[server.secret_key]
    config = ServerConfig(url=server.url, auth_id=DEPLOY_TOKEN, secret=secret, ca_file=server.ca)
    client = client_for(f"demo-{server.name}", config)
    try:
        upid = client.create(api_path("admin", kind, job, "run"), {}).data
        return follow_task(client, str(upid), poll_interval=0.1, timeout=timeout).exitstatus
    except (PbsError, TaskTimeout) as error:
        raise DemoError(f"the {kind} job {job} on {server.name}: {error}") from None


def expected_removals(
    before: dict[tuple[str, str], list[int]], retention: dict[str, Any]
) -> set[tuple[tuple[str, str], int]]:
    """(group, time) of each snapshot PBS's keep rules remove: `pbs_types.prune`, the port of PBS's
    `compute_prune_info`, in the simulators' time zone (UTC)."""
    from pydantic.alias_generators import to_snake

    from pbs_types.prune import KeepOptions, Snapshot, compute_prune_info

    keep = KeepOptions(**{to_snake(k): v for k, v in retention.items() if k.startswith("keep")})
    return {
        (group, snap.backup_time)
        for group, times in before.items()
        for snap, mark in compute_prune_info([Snapshot(t) for t in times], keep)
        if not mark.keep
    }


def stamp(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def run_verdict(job: str, text: str) -> str:
    """The run's verdict line with the task's own summary (`Summary: sync job pushed ...`)."""
    lines = text.splitlines()
    verdict = next((ln for ln in reversed(lines) if ln.startswith(f"sync job `{job}`")), None)
    task = next((ln.split("Summary: ", 1)[1] for ln in reversed(lines) if "Summary: " in ln), None)
    if verdict is None:
        return f"sync job `{job}`: no verdict (see .demo/logs/{job}.log)"
    return f"{verdict}" + (f" ({task})" if task else "")


def below(ns: str, anchor: str) -> bool:
    return ns == anchor or ns.startswith(f"{anchor}/")


# ---- the flow ----------------------------------------------------------------------------------------
class Demo:
    def __init__(self, cli: Cli, env: dict[str, str], verbose: bool) -> None:
        self.cli, self.env, self.verbose = cli, env, verbose
        self.environ = dict(os.environ)
        self.environ.pop("PYTHONPATH", None)
        self.environ["PULUMI_CONFIG_PASSPHRASE"] = os.environ.get(
            "PULUMI_CONFIG_PASSPHRASE", env["DEMO_CONFIG_PASSPHRASE"]
        )
        if not cli.offline:
            self.environ.update(
                PULUMI_BACKEND_URL=f"file://{STATE_DIR}",
                PULUMI_SKIP_UPDATE_CHECK="true",
                PATH=f"{Path(cli.path).parent}{os.pathsep}{self.environ.get('PATH', '')}",
            )

    def heading(self, number: int, text: str) -> None:
        print(f"\n== {number}. {text}", flush=True)

    def engine(self, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
        """`pulumi <args>` with the CLI, `python -m offline_engine <args>` in offline mode."""
        command = [str(PY), "-m", "offline_engine", *args] if self.cli.offline else [self.cli.path, *args]
        result = subprocess.run(command, cwd=ROOT, env=self.environ, text=True, capture_output=capture)
        if result.returncode != 0:
            if capture:
                sys.stderr.write(result.stdout + result.stderr)
            raise DemoError(f"`{' '.join(args)}` failed (exit {result.returncode})")
        return result

    def outputs(self) -> dict[str, Any]:
        if self.cli.offline:
            text = self.engine("stack-output", "--json", "--stack", STACK, capture=True).stdout
            text = "\n".join(line.removeprefix(f"{OFFLINE_LABEL} ") for line in text.splitlines())
            print("\n".join(f"{OFFLINE_LABEL} {line}" for line in text.splitlines()))
        else:
            text = self.engine("stack", "output", "--json", "--stack", STACK, capture=True).stdout
            print(text.rstrip())
        return json.loads(text)

    def tool(self, *args: str, log: Path | None = None) -> tuple[int, str]:
        """`python -m pbs_provider <args>`: its output on screen, or into `log` (unless verbose)."""
        result = subprocess.run(
            [str(PY), "-m", "pbs_provider", *args], cwd=ROOT, env=self.environ, text=True, capture_output=True
        )
        text = result.stdout + result.stderr
        if log is not None:
            log.write_text(text)
        if log is None or self.verbose:
            print(text.rstrip())
        return result.returncode, text

    def run(self) -> None:
        mode = (
            f"Pulumi CLI {self.cli.version} ({self.cli.path})"
            if not self.cli.offline
            else "the offline engine (python -m offline_engine), a local stand-in for the Pulumi engine"
        )
        print(f"deployments by: {mode}")
        if not self.cli.offline:
            STATE_DIR.mkdir(exist_ok=True)
            self.engine("login", f"file://{STATE_DIR}", capture=True)
            self.engine(
                "stack", "select", STACK, "--create", "--secrets-provider", "passphrase", capture=True
            )

        self.heading(1, "preview: what `up` will do, per resource")
        self.engine("preview", "--diff", "--stack", STACK)
        self.heading(2, "up")
        self.engine("up", "--yes", "--stack", STACK)
        self.heading(3, "stack outputs")
        outputs = self.outputs()
        self.heading(4, "up again: nothing may change")
        self.engine("up", "--yes", "--expect-no-changes", "--stack", STACK)
        print("second up: no changes")

        self.heading(5, "preflight doctor: python -m pbs_provider doctor --stack dev")
        code, _ = self.tool("doctor", "--stack", STACK)
        if code != 0:
            raise DemoError("the doctor found an error (above)")

        servers = {s.name: s for s in SERVERS}
        before = {job: groups(servers[srv], store, self.env) for job, srv, store, _ in JOBS}
        self.heading(6, "run both sync jobs now: python -m pbs_provider run --stack dev <job>")
        logs = DEMO_DIR / "logs"
        logs.mkdir(exist_ok=True)
        for job, *_ in JOBS:
            code, text = self.tool("run", "--stack", STACK, job, log=logs / f"{job}.log")
            print(run_verdict(job, text))
            if code != 0:
                raise DemoError(f"the run of {job} failed: see .demo/logs/{job}.log")
        if not self.verbose:
            print(
                "(task logs: .demo/logs/push-cloud.log, .demo/logs/pull-templates.log; `make demo VERBOSE=1`)"
            )

        self.heading(7, "what arrived on the target datastores (read through the PBS API)")
        moved = {}
        for job, srv, store, anchor in JOBS:
            after = groups(servers[srv], store, self.env)
            print(f"{srv}:{store} (namespace {anchor}, filled by {job}):")
            for (ns, group), (count, owner) in sorted(after.items()):
                if below(ns, anchor):
                    print(f"  {ns:16} {group:18} {count} snapshot(s), owner {owner}")
            moved[job] = sum(
                after[k][0] - before[job].get(k, (0, ""))[0] for k in after if below(k[0], anchor)
            )
        self.prune(servers)
        self.summary(outputs, moved)

    def prune(self, servers: dict[str, Server]) -> None:
        """Run the replication's prune job on its target now; show and check what it removed."""
        job, srv, store, anchor = PRUNED
        retention = stack_replications()[job]["retention"]
        rules = ", ".join(f"{k} {v}" for k, v in retention.items() if k.startswith("keep"))
        self.heading(8, f"run the prune job {job} on {srv} now (retention: {rules})")
        before = snapshots(servers[srv], store, anchor, self.env)
        state = run_job_now(servers[srv], "prune", job, self.env)
        if state != "OK":
            raise DemoError(f"the prune job {job} on {srv} failed: {state}")
        after = snapshots(servers[srv], store, anchor, self.env)
        removed = {(g, t) for g, times in before.items() for t in times if t not in after.get(g, [])}
        for (ns, group), times in sorted(before.items()):
            marks = ", ".join(
                f"{stamp(t)} {'removed' if ((ns, group), t) in removed else 'kept'}" for t in times
            )
            print(f"  {ns:16} {group:18} {marks}")
        expected = expected_removals(before, retention)
        if removed != expected:
            raise DemoError(
                f"the prune job {job} removed {sorted(removed)}, PBS's keep rules remove {sorted(expected)}"
            )
        if removed:
            print(
                f"prune job {job} removed {len(removed)} snapshot(s): "
                + ", ".join(f"{ns}:{g}/{stamp(t)}" for (ns, g), t in sorted(removed))
                + "; exactly those PBS's keep rules remove (pbs_types.prune, a port of compute_prune_info)"
            )
        else:
            print(f"prune job {job} removed nothing: PBS's keep rules keep every snapshot there")

    def summary(self, outputs: dict[str, Any], moved: dict[str, int]) -> None:
        print("\n== Summary")
        state = ".demo/offline-state/dev.json" if self.cli.offline else ".pulumi-state/"
        engine = "the offline engine" if self.cli.offline else f"Pulumi CLI {self.cli.version}"
        print(f"The dev stack is deployed by {engine} (state in {state}):")
        for line in replication_lines(outputs.get("replications") or {}, stack_replications(), moved):
            print(f"  {line}")
        print(f"Look further (first: export PULUMI_CONFIG_PASSPHRASE={self.env['DEMO_CONFIG_PASSPHRASE']}):")
        if self.cli.offline:
            print(
                "  .venv/bin/python -m offline_engine preview --diff --stack dev  (after editing the stack)"
            )
        else:
            print(f"  PULUMI_BACKEND_URL=file://{STATE_DIR} {self.cli.path} preview --diff --stack dev")
        print("  .venv/bin/python -m pbs_provider doctor --stack dev --verbose")
        print("  the task logs in .demo/logs/; docs/demo.md explains each step")
        print("Stop the simulators with: make demo-stop   (their data stays in .demo/)")


def stack_replications() -> dict[str, Any]:
    """The `replications` entries of the dev stack file (no secrets in them)."""
    raw = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{STACK}.yaml").read_text())
    return raw["config"].get("pbs-replication:replications") or {}


def _place(end: dict[str, Any]) -> str:
    ns = end.get("ns")
    return f"{end['server']}:{end['store']}" + (f"/{ns}" if ns else "")


def replication_lines(outputs: dict[str, Any], entries: dict[str, Any], moved: dict[str, int]) -> list[str]:
    """What each replication created where (stack outputs + its entry), and what this run moved."""
    lines = []
    for name in sorted(outputs, key=lambda n: (list(entries).index(n) if n in entries else len(entries), n)):
        out, entry = outputs[name], entries.get(name, {})
        source, target = entry.get("source", {}), entry.get("target", {})
        direction = out.get("direction", entry.get("direction"))
        schedule = entry.get("schedule", "none")
        lines.append(f"{name}: {direction} {_place(source)} -> {_place(target)}, schedule {schedule}")
        token = out.get("tokenId", "")
        anchor = source if direction == "pull" else target
        acl_path = f"/datastore/{anchor.get('store')}" + (f"/{anchor['ns']}" if anchor.get("ns") else "")
        lines.append(
            f"  on {out.get('remoteUserServer')}: user {token.split('!')[0]}, API token {token}, "
            f"ACL {out.get('role')} on {acl_path} for both"
            + (
                f", namespace {target['store']}:{target['ns']}"
                if direction == "push" and target.get("ns")
                else ""
            )
        )
        lines.append(
            f"  on {out.get('jobServer')}: "
            + (
                f"namespace {target['store']}:{target['ns']}, "
                if direction == "pull" and target.get("ns")
                else ""
            )
            + f"remote {out.get('remote')} (logs in as {token}), sync job {out.get('jobId')}"
        )
        jobs = [
            f"{kind} job {out[key]} ({', '.join(f'{k} {v}' for k, v in options.items())})"
            if isinstance(options, dict) and options
            else f"{kind} job {out[key]}"
            for kind, key, options in (
                ("prune", "pruneJobId", entry.get("retention")),
                ("verify", "verifyJobId", entry.get("verify")),
            )
            if key in out
        ]
        if jobs:
            lines.append(f"  on {target.get('server')}: {', '.join(jobs)}")
        if moved.get(name):
            lines.append(f"  this run replicated {moved[name]} snapshot(s)")
        elif name in moved:
            lines.append("  this run replicated nothing new: the target holds every snapshot already")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=("run", "stop"), default="run")
    parser.add_argument("--verbose", "-v", action="store_true", help="the task logs on screen too")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # our lines and the subprocesses' stay in order
    if args.command == "stop":
        stop_simulators()
        return 0
    env = demo_env()
    try:
        cli = find_cli(sys.stdout)
        for server in SERVERS:
            start_simulator(server, env)
            ensure_deploy_identity(server, env)
        Demo(cli, env, args.verbose).run()
    except (DemoError, requests.RequestException) as error:
        print(f"make demo: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
