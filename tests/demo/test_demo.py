"""`make demo` end to end, with a test double of the `pulumi` CLI (tests/demo/bin/pulumi) first on PATH.

The demo runs in a copy of the project (its own .demo/ and .pulumi-state/) and starts the two simulators
on the dev stack's fixed ports 18007 and 18008, seeded from scripts/demo-seed/. After `pulumi up` it runs
the preflight doctor and the push job (`python -m pbs_provider doctor|run --stack dev`) and ends with the
replicated datastore.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from pbs_sim.tls import cert_fingerprint

PROJECT = Path(__file__).resolve().parents[2]
DOUBLE_BIN = "tests/demo/bin"


def demo_env() -> dict[str, str]:
    values = {}
    for line in (PROJECT / "scripts" / "demo.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key] = value
    return values


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
            os.utime(target, (0, 0))  # older than the venv's install stamp: make does not reinstall
    (copy / ".venv").symlink_to(PROJECT / ".venv")
    yield copy
    subprocess.run(["bash", "scripts/demo.sh", "stop"], cwd=copy, capture_output=True, timeout=60)


def run(cmd: list[str], cwd: Path, path: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env["PATH"] = path
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def cloud_groups(secrets: dict[str, str], project: Path) -> dict[tuple[str, str], int]:
    """(namespace, group) -> snapshot count in cloud:offsite, through the PBS API."""
    cloud = requests.Session()
    cloud.headers["Authorization"] = f"PBSAPIToken=root@pam!pulumi:{secrets['DEMO_CLOUD_TOKEN_SECRET']}"
    ca = str(project / ".demo" / "cloud" / "proxy.pem")
    api = "https://127.0.0.1:18008/api2/json/admin/datastore/offsite"
    found = {}
    for item in cloud.get(f"{api}/namespace", timeout=10, verify=ca).json()["data"]:
        params = {"ns": item["ns"]} if item["ns"] else None
        for group in cloud.get(f"{api}/groups", params=params, timeout=10, verify=ca).json()["data"]:
            found[(item["ns"], f"{group['backup-type']}/{group['backup-id']}")] = group["backup-count"]
    return found


def test_make_demo_without_the_pulumi_cli_says_how_to_install_it(project_copy):
    path = ":".join(p for p in os.environ["PATH"].split(":") if not (Path(p) / "pulumi").exists())
    result = run(["make", "demo"], project_copy, path)
    assert result.returncode != 0
    lines = [
        line for line in result.stderr.splitlines() if "pulumi" in line.lower() and "install" in line.lower()
    ]
    assert len(lines) == 1 and "get.pulumi.com" in lines[0]
    assert not (project_copy / ".demo" / "onprem.pid").exists()  # nothing was started


def test_make_demo_brings_up_the_dev_stack_and_is_safe_to_rerun(project_copy):
    path = f"{project_copy / DOUBLE_BIN}:{os.environ['PATH']}"
    first = run(["make", "demo"], project_copy, path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "simulator onprem ready" in first.stdout and "simulator cloud ready" in first.stdout
    assert "4 created" in first.stdout
    assert '"push-cloud"' not in first.stderr and "Stack outputs:" in first.stdout

    secrets = demo_env()
    onprem = requests.Session()
    onprem.headers["Authorization"] = f"PBSAPIToken=root@pam!pulumi:{secrets['DEMO_ONPREM_TOKEN_SECRET']}"
    ca = str(project_copy / ".demo" / "onprem" / "proxy.pem")  # per request: REQUESTS_CA_BUNDLE beats .verify
    api = "https://127.0.0.1:18007/api2/json"
    jobs = onprem.get(f"{api}/config/sync", params={"sync-direction": "all"}, timeout=10, verify=ca)
    assert {j["id"] for j in jobs.json()["data"]} == {"push-cloud", "pull-templates"}
    remote = onprem.get(f"{api}/config/remote/cloud-push", timeout=10, verify=ca).json()["data"]
    assert (
        remote["fingerprint"].lower()
        == cert_fingerprint(project_copy / ".demo" / "cloud" / "proxy.pem").lower()
    )

    # the preflight doctor passed, then the push job ran
    out = first.stdout
    assert "Preflight doctor: python -m pbs_provider doctor --stack dev" in out
    assert "doctor: 0 error(s), 0 warning(s)" in out
    assert "Summary: sync job pushed" in out and "sync job `push-cloud` succeeded" in out
    # ...and the cloud datastore holds exactly the seeded on-prem backups, owned by the remote's token
    expected = {  # ct/200 stays home: the push excludes the container templates the pull brings
        ("", "ct/9000"): 4,  # cloud's own templates, untouched
        ("", "host/pbs-config"): 1,
        ("", "vm/100"): 3,
        ("", "vm/101"): 2,
        ("site-a", "vm/300"): 2,
    }
    assert cloud_groups(secrets, project_copy) == expected
    listing = out[out.index("The replicated datastore") :]
    assert "site-a     vm/300             2 snapshot(s), owner root@pam!pulumi" in listing
    for secret in secrets.values():
        assert secret not in first.stdout + first.stderr or secret == secrets["DEMO_CONFIG_PASSPHRASE"]

    second = run(["make", "demo"], project_copy, path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "already running" in second.stdout
    assert "4 unchanged" in second.stdout and "created" not in second.stdout
    assert "doctor: 0 error(s)" in second.stdout
    assert "Summary: sync job found no new data to push" in second.stdout  # replicated already
    assert cloud_groups(secrets, project_copy) == expected

    stop = run(["make", "demo-stop"], project_copy, path)
    assert stop.returncode == 0 and "stopped simulator onprem" in stop.stdout
    with pytest.raises(requests.ConnectionError):
        onprem.get(f"{api}/version", timeout=5, verify=ca)
