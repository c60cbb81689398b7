"""`make demo`: the real offline path end to end, twice; the CLI-finding order; the CLI path (test double).

The end-to-end runs happen in a copy of the project (its own .demo/ and .pulumi-state/) and start the two
simulators on the dev stack's fixed ports 18007 and 18008, seeded from scripts/demo-seed/. They force
offline mode with the documented switch PBS_REPLICATION_OFFLINE=1 (no download is ever attempted), except
the one that puts the `pulumi` test double (tests/demo/bin/pulumi) first on PATH. The CLI-finding tests call
`find_cli` with test-double installers: no test reaches a host outside this machine.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import urllib.error
from pathlib import Path

import pytest
import requests

from scripts import demo

PROJECT = Path(__file__).resolve().parents[2]
DOUBLE_BIN = PROJECT / "tests" / "demo" / "bin"
LABEL = "[offline engine]"


def demo_env() -> dict[str, str]:
    return demo.demo_env()


# ---- the CLI-finding order ------------------------------------------------------------------------------
def fake_cli(directory: Path, version: str) -> Path:
    """An executable `pulumi` that only answers `pulumi version`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pulumi"
    path.write_text(f'#!/bin/sh\n[ "$1" = version ] && echo v{version} && exit 0\nexit 1\n')
    path.chmod(0o755)
    return path


class Installer:
    """A test double of the SDK installer: fails like a machine without internet, or puts a CLI in place."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.calls, self.timeouts = error, [], []

    def __call__(self, root: str, version: str) -> None:
        self.calls.append((root, version))
        self.timeouts.append(socket.getdefaulttimeout())
        if self.error:
            raise self.error
        fake_cli(Path(root) / "bin", version)


def find(tmp_path: Path, installer: Installer, path: str = "", **environ: str) -> tuple[demo.Cli, str]:
    out = io.StringIO()
    cli = demo.find_cli(out, {"PATH": path, **environ}, installer, tmp_path / ".pulumi-cli")
    return cli, out.getvalue()


def test_a_new_enough_cli_on_path_is_used(tmp_path):
    installer = Installer()
    cli, text = find(tmp_path, installer, path=str(DOUBLE_BIN))
    assert cli.path == str(DOUBLE_BIN / "pulumi") and cli.version == "3.272.0" and not cli.offline
    assert text == f"Pulumi CLI 3.272.0 found on PATH: {DOUBLE_BIN / 'pulumi'}\n"
    assert installer.calls == []


def test_an_older_cli_on_path_is_named_and_the_demo_installs_its_own(tmp_path):
    old = fake_cli(tmp_path / "bin", "3.100.0")
    installer = Installer()
    cli, text = find(tmp_path, installer, path=str(old.parent))
    lines = text.splitlines()
    assert lines[0].startswith(f"the pulumi on PATH ({old}) is 3.100.0; this project needs >= 3.216.0")
    assert installer.calls == [(str(tmp_path / ".pulumi-cli"), demo.PINNED_VERSION)]
    assert cli.path == str(tmp_path / ".pulumi-cli" / "bin" / "pulumi") and cli.version == demo.PINNED_VERSION


def test_an_installer_that_cannot_download_means_offline_mode_after_a_short_timeout(tmp_path):
    installer = Installer(urllib.error.URLError(OSError(-3, "Temporary failure in name resolution")))
    cli, text = find(tmp_path, installer)
    assert cli.offline
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"installing the Pulumi CLI {demo.PINNED_VERSION} into ")
    assert "PulumiCommand.install" in lines[0]
    assert lines[1].startswith("could not install the Pulumi CLI (")
    assert "Temporary failure in name resolution" in lines[1] and "offline mode" in lines[1]
    assert installer.timeouts == [demo.DOWNLOAD_TIMEOUT]  # the download never waits longer
    assert socket.getdefaulttimeout() is None  # and the process default is restored


def test_an_installer_that_succeeds_gives_the_installed_cli(tmp_path):
    installer = Installer()
    cli, text = find(tmp_path, installer)
    local = tmp_path / ".pulumi-cli" / "bin" / "pulumi"
    assert cli.path == str(local) and cli.version == demo.PINNED_VERSION
    assert text.splitlines()[-1] == f"Pulumi CLI {demo.PINNED_VERSION} installed: {local}"


def test_a_cli_installed_earlier_is_reused_without_a_download(tmp_path):
    local = fake_cli(tmp_path / ".pulumi-cli" / "bin", demo.PINNED_VERSION)
    installer = Installer()
    cli, text = find(tmp_path, installer)
    assert cli.path == str(local) and installer.calls == []
    assert text == f"Pulumi CLI {demo.PINNED_VERSION} installed earlier by the demo: {local}\n"


def test_the_offline_switch_skips_every_download_attempt(tmp_path):
    installer = Installer()
    cli, text = find(tmp_path, installer, **{demo.OFFLINE_SWITCH: "1"})
    assert cli.offline and installer.calls == []
    assert text == "PBS_REPLICATION_OFFLINE=1: no Pulumi CLI download; running the demo in offline mode\n"


# ---- end to end ----------------------------------------------------------------------------------------
@pytest.fixture
def project_copy(tmp_path: Path):
    """The tracked and untracked (not ignored) files of the project, with the real .venv linked in."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    copy = tmp_path / "project"
    for name in files:
        source = PROJECT / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            os.utime(target, (0, 0))  # older than the venv's install stamps: make does not reinstall
    (copy / ".venv").symlink_to(PROJECT / ".venv")
    yield copy
    subprocess.run([".venv/bin/python", "scripts/demo.py", "stop"], cwd=copy, capture_output=True, timeout=60)


def without_pulumi(path: str) -> str:
    return ":".join(p for p in path.split(":") if p and not (Path(p) / "pulumi").exists())


def make(target: str, cwd: Path, path: str, offline: bool = True) -> subprocess.CompletedProcess:
    # as a user types it: not a sub-make of `make test` (which would print "Entering directory")
    skip = (
        "PULUMI_",
        demo.OFFLINE_SWITCH,
        "MAKEFLAGS",
        "MAKELEVEL",
        "MFLAGS",
        "MAKE_TERMOUT",
        "MAKE_TERMERR",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env["PATH"] = path
    if offline:
        env[demo.OFFLINE_SWITCH] = "1"
    else:  # belt and braces: should the demo ever try a download, it meets a closed local port
        for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
            env[name] = "http://127.0.0.1:9"
        env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    return subprocess.run(["make", target], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def datastore(port: int, store: str, secret: str, project: Path, name: str) -> dict[tuple[str, str], tuple]:
    """(namespace, group) -> (snapshot count, owner) through the PBS API, as the deploy token sees it."""
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"PBSAPIToken=deploy@pbs!pulumi:{secret}"
    session.verify = str(project / ".demo" / name / "proxy.pem")
    api = f"https://127.0.0.1:{port}/api2/json/admin/datastore/{store}"
    found = {}
    for item in session.get(f"{api}/namespace", timeout=10).json()["data"]:
        params = {"ns": item["ns"]} if item["ns"] else None
        for group in session.get(f"{api}/groups", params=params, timeout=10).json()["data"]:
            found[(item["ns"], f"{group['backup-type']}/{group['backup-id']}")] = (
                group["backup-count"],
                group["owner"],
            )
    return found


PUSHED = "push-cloud@pbs!sync"
CLOUD_EXPECTED = {
    ("templates", "ct/9000"): (4, "root@pam"),  # the cloud's own templates, untouched
    # what the push moved: store1 below the anchor `onprem`, without the containers (ct/200 stays home)
    ("onprem", "host/pbs-config"): (1, PUSHED),
    ("onprem", "vm/100"): (2, PUSHED),  # 3 pushed; push-cloud's prune job removed the oldest
    ("onprem", "vm/101"): (2, PUSHED),
    ("onprem/site-a", "vm/300"): (2, PUSHED),
}
ONPREM_EXPECTED = {  # the seed, plus the last 3 of the cloud's 4 templates (the pull; PBS's owner default)
    ("", "vm/100"): (3, "root@pam"),
    ("", "vm/101"): (2, "root@pam"),
    ("", "ct/200"): (2, "root@pam"),
    ("", "host/pbs-config"): (1, "root@pam"),
    ("site-a", "vm/300"): (2, "root@pam"),
    ("templates", "ct/9000"): (3, "root@pam"),
}
RESOURCES = [  # (type, name) of every resource the dev stack creates
    *[
        (kind, f"{name}-{suffix}")
        for name in ("push-cloud", "pull-templates")
        for kind, suffix in (
            ("User", "user"),
            ("ApiToken", "token"),
            ("AclEntry", "acl-user"),
            ("AclEntry", "acl-token"),
            ("Namespace", "namespace"),
            ("Remote", "remote"),
            ("SyncJob", "job"),
        )
    ],
    ("PruneJob", "push-cloud-prune"),
    ("VerifyJob", "push-cloud-verify"),
    ("PruneJob", "pull-templates-prune"),
]


def section(out: str, number: int) -> str:
    """The text of step `number` (`== n. ...`) of the demo's output."""
    start = out.index(f"\n== {number}. ")
    end = out.find("\n== ", start + 1)
    return out[start : end if end != -1 else None]


def documented_summary() -> str:
    """The summary block docs/demo.md shows (between its `demo output: summary` markers)."""
    page = (PROJECT / "docs" / "demo.md").read_text()
    block = re.search(r"<!-- BEGIN demo output: summary -->\n```text\n(.*?)```\n", page, re.S)
    assert block, "docs/demo.md has no summary block"
    return block.group(1)


def check_outcome(project: Path) -> None:
    secrets = demo_env()
    cloud = datastore(18008, "offsite", secrets["DEMO_CLOUD_TOKEN_SECRET"], project, "cloud")
    onprem = datastore(18007, "store1", secrets["DEMO_ONPREM_TOKEN_SECRET"], project, "onprem")
    assert cloud == CLOUD_EXPECTED
    assert onprem == ONPREM_EXPECTED


def test_make_demo_offline_end_to_end_twice(project_copy):
    path = without_pulumi(os.environ["PATH"])
    first = make("demo", project_copy, path)
    out = first.stdout
    assert first.returncode == 0, out + first.stderr
    assert first.stderr == ""
    assert out.startswith("PBS_REPLICATION_OFFLINE=1: no Pulumi CLI download; running the demo in offline")
    assert "installing the runtime requirements" not in out and "pytest" not in out
    assert "simulator onprem started" in out and "simulator cloud started" in out
    assert not (project_copy / ".pulumi-cli").exists()

    # every line that imitates `pulumi` is labelled; the plan names every resource with its fields
    for line in out.splitlines():
        if re.match(r"\s*(Resources:|\+ \d+ (to create|created)|\d+ unchanged|Previewing|Updating)", line):
            pytest.fail(f"unlabelled engine line: {line!r}")
    plan = section(out, 1)
    for kind, name in RESOURCES:
        assert f"{LABEL}  + pbs:{kind} {name} (create)\n" in plan
    assert f'{LABEL}       + groupFilter: ["exclude:type:ct"]' in plan
    assert f'{LABEL}       + remoteNs: "onprem"' in plan
    assert f'{LABEL}       + password: "[secret]"' in plan
    assert f"{LABEL}     + 17 to create" in plan
    assert f"{LABEL}     + 17 created" in section(out, 2)
    outputs = section(out, 3)
    assert '"tokenId": "push-cloud@pbs!sync"' in outputs
    assert all(line.startswith(LABEL) for line in outputs.splitlines()[2:] if line)
    assert f"{LABEL}     17 unchanged" in section(out, 4) and "second up: no changes" in section(out, 4)
    assert "doctor: 0 error(s), 0 warning(s)" in section(out, 5)
    runs = section(out, 6)
    assert "sync job `push-cloud` succeeded" in runs and "sync job pushed" in runs
    assert "sync job `pull-templates` succeeded" in runs and "sync job pulled" in runs
    assert "Starting datastore sync job" not in out  # the task logs go to files
    assert "Starting datastore sync job" in (project_copy / ".demo" / "logs" / "push-cloud.log").read_text()
    arrived = section(out, 7)
    assert "  onprem/site-a    vm/300             2 snapshot(s), owner push-cloud@pbs!sync" in arrived
    assert "  templates        ct/9000            3 snapshot(s), owner root@pam" in arrived
    pruned = section(out, 8)
    assert "run the prune job push-cloud on cloud now (retention: keepDaily 2, keepWeekly 4)" in pruned
    assert "  onprem           vm/100             2024-05-03T00:00:00Z kept, 2024-05-02T00:00:00Z kept, " \
        "2024-05-01T00:00:00Z removed" in pruned  # fmt: skip
    assert "prune job push-cloud removed 1 snapshot(s): onprem:vm/100/2024-05-01T00:00:00Z; exactly those " \
        "PBS's keep rules remove" in pruned  # fmt: skip
    summary = out[out.index("\n== Summary") :]
    assert "push-cloud: push onprem:store1 -> cloud:offsite/onprem, schedule hourly" in summary
    assert "on cloud: user push-cloud@pbs, API token push-cloud@pbs!sync" in summary
    assert "on onprem: remote push-cloud (logs in as push-cloud@pbs!sync), sync job push-cloud" in summary
    jobs = "prune job push-cloud (keepDaily 2, keepWeekly 4), verify job push-cloud (outdatedAfter 30)"
    assert f"on cloud: {jobs}" in summary
    assert "on onprem: prune job pull-templates (keepLast 3)" in summary
    assert "pull-templates: pull cloud:offsite/templates -> onprem:store1/templates" in summary
    assert "this run replicated 8 snapshot(s)" in summary and "this run replicated 3 snapshot(s)" in summary
    assert documented_summary() in out  # docs/demo.md shows this run's summary, not a hand-made one
    assert out.rstrip().endswith("Stop the simulators with: make demo-stop   (their data stays in .demo/)")
    check_outcome(project_copy)
    secrets = demo_env()
    for key in ("DEMO_ONPREM_TOKEN_SECRET", "DEMO_CLOUD_TOKEN_SECRET", "DEMO_ROOT_PASSWORD"):
        assert secrets[key] not in out

    second = make("demo", project_copy, path)
    out = second.stdout
    assert second.returncode == 0, out + second.stderr
    assert "simulator onprem already running" in out and "simulator cloud already running" in out
    assert f"{LABEL}     17 unchanged" in section(out, 1) and "(create)" not in out and "created" not in out
    assert "sync job found no new data to push" in out and "sync job found no new data to pull" in out
    assert out.count("this run replicated nothing new") == 2
    assert "prune job push-cloud removed nothing: PBS's keep rules keep every snapshot there" in section(
        out, 8
    )
    check_outcome(project_copy)

    stop = make("demo-stop", project_copy, path)
    assert stop.returncode == 0 and "stopped simulator onprem" in stop.stdout
    assert "stopped simulator cloud" in stop.stdout
    with pytest.raises(requests.ConnectionError):
        requests.get("https://127.0.0.1:18007/api2/json/version", timeout=5, verify=False)


def test_make_demo_uses_a_pulumi_cli_on_path(project_copy):
    """The CLI path, with the `pulumi` test double first on PATH (so no download is ever tried)."""
    path = f"{DOUBLE_BIN}:{without_pulumi(os.environ['PATH'])}"
    result = make("demo", project_copy, path, offline=False)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.startswith(f"Pulumi CLI 3.272.0 found on PATH: {DOUBLE_BIN / 'pulumi'}\n")
    assert LABEL not in out  # the offline engine did not run
    assert "installing the Pulumi CLI" not in out and not (project_copy / ".pulumi-cli").exists()
    assert "Previewing update (dev)" in section(out, 1) and "17 created" in section(out, 2)
    assert '"push-cloud@pbs!sync"' in section(out, 3) and "second up: no changes" in section(out, 4)
    assert (project_copy / ".pulumi-state" / ".pulumi" / "stacks" / "pbs-replication" / "dev.json").exists()
    assert "The dev stack is deployed by Pulumi CLI 3.272.0 (state in .pulumi-state/)" in out
    check_outcome(project_copy)
