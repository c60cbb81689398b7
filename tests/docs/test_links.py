"""Every relative link of README.md and docs/ points at a file of the repository, and every anchor at a
heading of its page."""

from __future__ import annotations

import pytest

from .pages import PAGES, anchors, links, rel, slug


def test_github_anchors():
    assert slug("Checked at `pulumi preview`") == "checked-at-pulumi-preview"
    assert slug("Stack configuration (the public contract)") == "stack-configuration-the-public-contract"
    assert slug("The troubleshooting list, reproduced (`tests/sim_sync/test_failures.py`)") == (
        "the-troubleshooting-list-reproduced-testssim_synctest_failurespy"
    )


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_relative_links_and_anchors_resolve(page):
    broken = []
    for target in links(page):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no file {dest}")
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
            broken.append(f"{target}: no heading with anchor #{anchor} in {rel(dest)}")
    assert not broken, f"{rel(page)}: " + "; ".join(broken)
