"""Packaging: the wheel built from pyproject.toml installs into a fresh virtual environment (no
system site-packages, nothing of the test's own environment) with its declared dependencies, and
the commands work from there.

The dependencies come through pip's ordinary configuration (the machine's package index) once;
they are kept in a wheelhouse in pytest's cache (keyed by requirements.txt), so later runs install
with `--no-index` from there and stay quick. Building uses pip's build isolation (setuptools from
the index), as `pip install .` does.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from pbs_provider import __version__
from tests.program.stacks import PROJECT

pytestmark = pytest.mark.slow

PACKAGES = ("pbs_provider", "pbs_types", "pbs_sim", "offline_engine")
LOCAL = (
    ".git",
    ".venv",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    ".demo",
    ".pulumi-state",
    "build",
    "*.egg-info",
)
"""What a checkout holds that is not source."""


def pip(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True, text=True, timeout=timeout, check=True,
    )  # fmt: skip


def requirements() -> list[str]:
    lines = (PROJECT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _requirement(text: str) -> tuple[str, frozenset[str]]:
    """`PyYAML>=6.0,<7` as (name, its version rules), in any order and spelling."""
    name, rules = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", text).groups()
    return name.lower().replace("_", "-"), frozenset(r.strip() for r in rules.split(",") if r.strip())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the whole checkout (tests, bench, policy and all, as
    `pip install .` sees it; the checkout itself gets no build/ or egg-info)."""
    source = tmp_path_factory.mktemp("build") / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns(*LOCAL))
    dist = tmp_path_factory.mktemp("dist")
    pip("wheel", str(source), "--no-deps", "--wheel-dir", str(dist))
    [built] = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def wheelhouse(pytestconfig: pytest.Config) -> Path:
    """The runtime dependencies as wheels, downloaded once per requirements.txt."""
    key = hashlib.sha256((PROJECT / "requirements.txt").read_bytes()).hexdigest()[:16]
    house = pytestconfig.cache.mkdir(f"wheelhouse-{key}")
    stamp = house / ".complete"
    if not stamp.exists():
        pip("download", "--only-binary", ":all:", "--dest", str(house), *requirements())
        stamp.touch()
    return house


def test_the_wheel_holds_the_packages_the_license_and_the_declared_dependencies(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(meta_name).decode())
        entry_points = archive.read(meta_name.replace("METADATA", "entry_points.txt")).decode()
    assert {n.split("/", 1)[0] for n in names if n.endswith(".py")} == set(PACKAGES)
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert metadata["Version"] == __version__ and metadata["License-Expression"] == "MIT"
    declared = sorted(_requirement(r) for r in metadata.get_all("Requires-Dist"))
    assert declared == sorted(_requirement(r) for r in requirements())
    assert "pbs-replication = pbs_provider.__main__:main" in entry_points
    assert "pbs-sim = pbs_sim.__main__:main" in entry_points


def test_it_installs_into_a_fresh_venv_and_the_commands_run(wheel, wheelhouse, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip(
        "--python", str(python), "install", "--no-compile", "--no-index",
        "--find-links", str(wheelhouse), str(wheel),
    )  # fmt: skip

    def run(*argv: str | Path) -> str:
        done = subprocess.run(
            [str(a) for a in argv], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run(venv / "bin" / "pbs-replication", "--version").strip() == f"pbs-replication {__version__}"
    top = run(venv / "bin" / "pbs-replication", "--help")
    assert all(command in top for command in ("export", "run", "doctor"))
    assert "exit codes:" in run(venv / "bin" / "pbs-replication", "export", "--help")
    assert "--data-dir" in run(venv / "bin" / "pbs-sim", "--help")
    # everything the program, the providers, the simulator and the engine stand-in import is there,
    # from the fresh environment itself
    where = run(
        python, "-c",
        "import pulumi, pydantic, requests, yaml, cryptography, grpc\n"
        "import pbs_provider.program, pbs_provider.resources.replication, pbs_sim.server\n"
        "import offline_engine.engine, pbs_types.calendar\n"
        "print(pulumi.__file__); print(pbs_provider.program.__file__)",
    )  # fmt: skip
    assert all(line.startswith(str(venv)) for line in where.splitlines()), where
