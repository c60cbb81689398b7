"""The files and folders of this repository that the pages name exist: every path in backticks that
starts at a top-level folder of the repository, and every entry of the architecture page's layout."""

from __future__ import annotations

import re

import pytest

from .pages import PAGES, ROOT, blocks, prose, rel

TOP = ("pbs_provider/", "pbs_sim/", "pbs_types/", "offline_engine/", "tests/", "bench/", "scripts/")
TOP += ("policy/", "stacks/", "docs/", ".github/")
# Paths the pages name as what a command creates.
CREATED = {
    "stacks/Pulumi.mysite.yaml": "`pulumi stack init mysite` in the front page's walk-through",
    "policy/.venv": "the CI workflow installs the policy pack's requirements there",
    "policy/config/mysite.json": "copied from staging.json in the front page's walk-through",
    "bench/results/latest.json": "`make bench` writes and commits it",
    "docs/reports/reliability.md": "`make reliability` writes and commits it",
    "docs/reports/reliability.json": "`make reliability` writes and commits it",
}
PATH = re.compile(r"`([A-Za-z0-9_.][A-Za-z0-9_./<>-]*)`")


def named_paths(text: str) -> list[str]:
    """Paths in code spans that start at a top-level folder; `<stack>`-style placeholders and PBS's
    own documentation (`docs/*.rst` of proxmox-backup) excluded."""
    found = []
    for token in PATH.findall(text):
        if token.startswith(TOP) and "<" not in token and not token.endswith(".rst"):
            found.append(token.split(":")[0])
    return found


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_named_repository_paths_exist(page):
    missing = [p for p in named_paths(prose(page)) if not (ROOT / p).exists() and p not in CREATED]
    assert not missing, f"{rel(page)} names files that do not exist: {missing}"


def layout_entries() -> list[str]:
    """The paths of the architecture page's layout tree (top-level names, then names indented below a
    folder), as repository paths."""
    tree = blocks(ROOT / "docs" / "architecture.md")[0].text
    paths, parent = [], ""
    for line in tree.split("\n"):
        if not line.strip() or line.startswith("    "):
            continue  # a continuation of the description column
        indented = line.startswith("  ")
        names = re.split(r",\s*", re.split(r"\s{2,}", line.strip())[0])
        for name in names:
            path = (parent + name) if indented else name
            paths.append(path)
        if not indented and names[-1].endswith("/"):
            parent = names[-1]
    return paths


def test_the_architecture_layout_is_the_repository():
    entries = layout_entries()
    assert "pbs_types/ids.py" in entries and "pbs_provider/schemas/" in entries
    missing = [p for p in entries if not (ROOT / p).exists()]
    assert not missing, f"docs/architecture.md lists what does not exist: {missing}"
    top = {p.split("/")[0] for p in entries}
    folders = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name != "__pycache__"
    }
    unlisted = folders - top - {"node_modules"}
    assert not unlisted or unlisted <= {".venv"}, f"top-level folders missing from the layout: {unlisted}"
