"""The README stays short and the docs/ pages hold the rest (issue 25): the README under 10 KB with a
screenshot and a link to every page, no section of the old one-page README lost, no relative link or
anchor that leads nowhere, and the map of the code naming every module."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = ("using.md", "api.md", "production.md", "models.md", "development.md")
SCREENSHOT = DOCS / "page.png"
README_MAX_BYTES = 10_000
SCREENSHOT_MAX_BYTES = 300_000

# Every ## and ### heading of the README when it was one page (git 1446e50); each must still be a heading
# of the README or of a docs/ page, so that no part of it was dropped in the move.
OLD_HEADINGS = [
    "Quickstart",
    "Use StructBERT instead of the bundled model",
    "Faster StructBERT on CPU: ONNX Runtime and INT8",
    "The API",
    "Errors",
    "Whole files: `tag`, `/api/sentiment/file` and the 批量分析 tab",
    "Jobs: files too big for one request",
    "Your own labels: `/api/classify`",
    "Aspects: what customers praise and complain about",
    "Facing the internet: keys, headers, limits, logs",
    "Settings (environment variables)",
    "Command line",
    "Docker",
    "The bundled models",
    "Is it good enough for my reviews?",
    "Development",
    "Map of the code",
]

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def documents() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (a ``# comment`` in a bash block is not a heading)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def headings(path: Path) -> list[str]:
    return [m.group(2) for line in prose_lines(path.read_text(encoding="utf-8")) if (m := HEADING.match(line))]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation and symbols dropped (letters of any
    script, digits, marks, '_' and '-' kept), spaces as '-'."""
    kept = "".join(ch for ch in heading.lower()
                   if ch.isalnum() or ch in " -_" or unicodedata.category(ch).startswith("M"))
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in headings(path):
        base = slug(heading)
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return found


def links(path: Path) -> list[str]:
    """Every Markdown link and image target outside code."""
    targets = []
    for line in prose_lines(path.read_text(encoding="utf-8")):
        targets += LINK.findall(CODE_SPAN.sub("", line))
    return targets


def relative_links(path: Path) -> list[str]:
    return [t for t in links(path) if not re.match(r"^(https?:|mailto:)", t, re.IGNORECASE)]


def test_readme_is_under_10_kb():
    size = len(README.read_bytes())
    assert size < README_MAX_BYTES, f"README.md is {size} bytes; move detail into docs/ (limit {README_MAX_BYTES})"


def test_every_docs_page_exists_and_the_readme_links_to_it():
    readme_targets = {t.split("#")[0] for t in links(README)}
    for name in PAGES:
        assert (DOCS / name).is_file(), f"docs/{name} is missing"
    for page in sorted(DOCS.glob("*.md")):
        assert f"docs/{page.name}" in readme_targets, f"README.md does not link to docs/{page.name}"


def test_readme_shows_the_screenshot():
    images = re.findall(r"!\[[^\]]*\]\(\s*([^)\s]+)", "\n".join(prose_lines(README.read_text(encoding="utf-8"))))
    assert "docs/page.png" in images, "README.md should show the page: ![…](docs/page.png)"
    data = SCREENSHOT.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), "docs/page.png is not a PNG"
    assert len(data) < SCREENSHOT_MAX_BYTES, f"docs/page.png is {len(data)} bytes (limit {SCREENSHOT_MAX_BYTES})"


def test_no_heading_of_the_old_readme_is_lost():
    now = {heading for path in documents() for heading in headings(path)}
    lost = [heading for heading in OLD_HEADINGS if heading not in now]
    assert lost == [], f"these sections of the old README are in neither README.md nor docs/*.md: {lost}"


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_lead_somewhere(path: Path):
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        goal = (path.parent / file_part).resolve() if file_part else path
        if not goal.exists():
            broken.append(f"{target} (no file {goal.relative_to(ROOT) if goal.is_relative_to(ROOT) else goal})")
        elif anchor and goal.suffix == ".md" and anchor not in anchors(goal):
            broken.append(f"{target} (no heading with anchor #{anchor} in {goal.name})")
    assert broken == [], f"{path.relative_to(ROOT)}: broken links: {broken}"


def test_the_link_checker_sees_a_broken_link(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text("# Top\n\n[ok](#top) [gone](missing.md) `[code](not-a-link.md)`\n\n```\n[x](fenced.md)\n```\n",
                    encoding="utf-8")
    assert relative_links(page) == ["#top", "missing.md"]
    assert "top" in anchors(page)
    assert slug("Whole files: `tag`, `/api/sentiment/file` and the 批量分析 tab") == \
        "whole-files-tag-apisentimentfile-and-the-批量分析-tab"


def test_the_map_of_the_code_names_every_module():
    """docs/development.md's "Map of the code" names every Python module, script and page asset (by a
    path suffix of at least two parts, such as `web/api.py`, or by file name for the page's assets)."""
    text = (DOCS / "development.md").read_text(encoding="utf-8")
    start = text.index("## Map of the code")
    section = text[start:]
    named = set(re.findall(r"`([^`]+)`", section))
    files = [*ROOT.glob("sentiment/**/*.py"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("static/*.js"),
             *ROOT.glob("templates/*.html")]
    missing = []
    for path in sorted(files):
        parts = path.relative_to(ROOT).parts
        if path.name in ("__init__.py",) or "__pycache__" in parts:
            continue
        suffixes = {"/".join(parts[i:]) for i in range(len(parts) - 1)}
        if parts[0] in ("static", "templates"):
            suffixes.add(path.name)
        if not suffixes & named:
            missing.append("/".join(parts))
    assert missing == [], f"add these to the map of the code in docs/development.md: {missing}"
