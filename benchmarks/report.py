"""The last step of every benchmark: print its Markdown, and write it where ``--out`` says."""
from __future__ import annotations

from pathlib import Path


def publish(text: str, out: Path | None, heading: str = "") -> None:
    print(text)
    if out:
        out.write_text(heading + text, encoding="utf-8")
