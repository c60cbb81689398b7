"""No figure in the docs is typed by hand: the performance and reliability pages (and the front page)
quote no measured figure, they point at the reports `make bench` and `make reliability` write and commit.
A page may embed a report between `<!-- BEGIN report: <path> -->` and `<!-- END report: <path> -->`; the
text there must then be the committed file's, byte for byte."""

from __future__ import annotations

import re

import pytest

from .pages import ROOT, prose, rel

PERFORMANCE, RELIABILITY = ROOT / "docs" / "performance.md", ROOT / "docs" / "reliability.md"
REPORT_PAGES = [PERFORMANCE, RELIABILITY, ROOT / "README.md", ROOT / "docs" / "testing.md"]
# A number with a unit of time, a ratio, a percentage or a rate: what a measurement looks like.
FIGURE = re.compile(r"\d[\d,.]*\s?(?:(?:ms|µs|s|min|minutes|seconds|x|calls|requests)\b|\u00d7|%|/s)")
# Figures that are settings or rules, not measurements.
ALLOWED = {
    "25 %": "the spread above which the bench marks a median as wide (a setting of the bench)",
    "in 10 minutes": "the front page's walk-through title",
}
REPORT_BLOCK = re.compile(r"<!-- BEGIN report: (\S+) -->\n(.*?)\n<!-- END report: \1 -->", re.S)


def test_a_figure_is_recognised():
    for figure in ("first up took 18.4 s", "ratio 1.2\u00d7", "82 ms", "177/s", "spread 57%"):
        assert FIGURE.search(figure), figure
    assert not FIGURE.search("PBS 4.2.3 on port 8007, 7 namespace levels")


@pytest.mark.parametrize("page", REPORT_PAGES, ids=rel)
def test_pages_quote_no_measured_figure(page):
    text = REPORT_BLOCK.sub("", page.read_text())
    text = prose(page) if page.read_text() == text else text  # code blocks hold commands, not figures
    for allowed in ALLOWED:
        text = text.replace(allowed, "")
    found = [m.group(0) for m in FIGURE.finditer(text)]
    assert not found, f"{rel(page)} quotes figures by hand: {found}; link or embed the report instead"


def test_embedded_reports_are_the_committed_files():
    for page in [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]:
        for path, body in REPORT_BLOCK.findall(page.read_text()):
            assert body.strip() == (ROOT / path).read_text().strip(), f"{rel(page)}: {path} is out of date"


def test_the_report_pages_point_at_the_reports():
    assert "](../bench/results/latest.md)" in PERFORMANCE.read_text()
    assert (ROOT / "bench" / "results" / "latest.md").exists()
    assert "docs/reports/reliability.md" in RELIABILITY.read_text()
