"""The docs, the front page and the code's docstrings and comments cite only what a reader can open: PBS's
public documentation and source, Pulumi's documentation, and files of this repository — never documents
outside the repository, such as an API reference by section number, notes, or the project's issues."""

from __future__ import annotations

import re

from .pages import PAGES, ROOT, rel

# What a citation of an unavailable document looks like.
UNAVAILABLE = re.compile(
    r"API reference|§\s?\d|\bthe seed'?s\b|seed scenario|\bissue\s*#?\d+|\(issue\b"
    r"|\.\./shared|project's notes|every target of the issue",
    re.I,
)
SOURCES = [
    ROOT / "__main__.py",
    *sorted(
        path
        for folder in (
            "pbs_provider",
            "pbs_sim",
            "pbs_types",
            "bench",
            "offline_engine",
            "policy",
            "tests",
            "scripts",
        )
        for path in (ROOT / folder).rglob("*.py")
        if ".venv" not in path.parts and path.name != "test_citations.py"
    ),
]


def test_the_pattern_catches_such_citations():
    for text in (
        "see the API reference §4.6",
        "(§7)",
        "the seed's troubleshooting hints",
        "Targets (issue 9)",
    ):
        assert UNAVAILABLE.search(text), text
    assert not UNAVAILABLE.search("`src/api2/config/sync.rs` in proxmox-backup; a seed of backup groups")


def test_pages_cite_nothing_a_reader_cannot_open():
    pages = [*PAGES, ROOT / "offline_engine" / "README.md"]
    found = [f"{rel(p)}: {m.group(0)!r}" for p in pages for m in UNAVAILABLE.finditer(p.read_text())]
    assert not found, found


def test_docstrings_and_comments_cite_nothing_a_reader_cannot_open():
    found = []
    for path in SOURCES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = UNAVAILABLE.search(line)
            if match:
                found.append(f"{rel(path)}:{number}: {match.group(0)!r}")
    assert not found, found
