"""The words a mention is about (鸡煲, 服务员, 房间隔音): the aspect set's own target words, and the target
words annotators marked in the restaurant aspect sentences (``models/aspects/targets.json``, written by
``training/aspects.py``), found leftmost-longest in a clause."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

TARGETS_PATH = Path(__file__).resolve().parents[3] / "models" / "aspects" / "targets.json"


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern | None:
    if not TARGETS_PATH.exists():
        return None
    words = json.loads(TARGETS_PATH.read_text(encoding="utf-8"))["words"]
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))) if words else None


def marked_targets(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each learned target word in ``text[start:end]``, offsets into ``text``."""
    pattern = _pattern()
    return [] if pattern is None else [(m.start(), m.end()) for m in pattern.finditer(text, start, end)]
