"""The last step of every benchmark: print its Markdown, and write it where ``--out`` says.

A file that holds hand-written reading of the figures too (MODEL_CARD.md, BENCHMARKS.md) gets them
between ``<!-- SECTION: begin -->`` and ``<!-- SECTION: end -->``, so that a rerun replaces the
figures and keeps the words around them.
"""
from __future__ import annotations

from pathlib import Path


def publish(text: str, out: Path | None, heading: str = "", section: str | None = None) -> None:
    print(text)
    if not out:
        return
    if section is None:
        out.write_text(heading + text, encoding="utf-8")
        return
    begin, end = f"<!-- {section}: begin -->", f"<!-- {section}: end -->"
    block = f"{begin}\n{text.strip()}\n{end}"
    old = out.read_text(encoding="utf-8") if out.exists() else heading
    if begin in old and end in old:
        new = old[: old.index(begin)] + block + old[old.index(end) + len(end):]
    else:  # a first run: the section goes at the end
        new = old.rstrip("\n") + ("\n\n" if old.strip() else "") + block + "\n"
    out.write_text(new, encoding="utf-8")
