"""The Markdown pages the doc tests read (README.md and docs/), and what is in them: headings and their
GitHub anchors, links, and fenced code blocks with the comment line just before each."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its info string (`yaml`, `sh`, …), its text, the line it starts on, and the
    HTML comments on the lines just above it (markers such as `<!-- needs real servers -->`)."""

    page: Path
    line: int
    lang: str
    text: str
    marks: tuple[str, ...]


def rel(page: Path) -> str:
    return str(page.relative_to(ROOT))


def blocks(page: Path) -> list[Block]:
    """Every fenced code block of a page, in order."""
    found: list[Block] = []
    lines = page.read_text().split("\n")
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group(2), m.group(3).strip()
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        marks: list[str] = []
        k = i - 1
        while k >= 0 and (lines[k].strip().startswith("<!--") or not lines[k].strip()):
            if lines[k].strip():
                marks.append(lines[k].strip())
            elif marks:
                break
            k -= 1
        found.append(Block(page, i + 1, lang, "\n".join(lines[i + 1 : j]), tuple(marks)))
        i = j + 1
    return found


def prose(page: Path) -> str:
    """The page without its fenced code blocks (whose text is not Markdown)."""
    out, fence = [], None
    for line in page.read_text().split("\n"):
        m = _FENCE.match(line)
        if m and (fence is None or line.strip().startswith(fence)):
            fence = m.group(2) if fence is None else None
            continue
        if fence is None:
            out.append(line)
    return "\n".join(out)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: Markdown markup removed, lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text).lower()
    kept = []
    for ch in text:
        if ch in " -_" or unicodedata.category(ch)[0] in "LN":
            kept.append("-" if ch == " " else ch)
    return "".join(kept)


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings (duplicates numbered -1, -2, …)."""
    seen: dict[str, int] = {}
    result = set()
    for line in prose(page).split("\n"):
        m = _HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(page: Path) -> list[str]:
    """Every link target in a page's prose (code spans excluded)."""
    text = re.sub(r"`[^`\n]*`", "", prose(page))
    return _LINK.findall(text)
