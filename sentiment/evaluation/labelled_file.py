"""Reading a user's own labelled file for ``evaluate``: CSV or JSON lines, UTF-8 or Excel's GBK.

Errors name the row or line, since the person fixing the file sees it in a spreadsheet.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: Excel in China saves CSVs as GBK, a subset of GB18030."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def read_labelled_file(path: Path, text_col: str = "review", label_col: str = "label") -> list[tuple[str, str]]:
    """(text, raw label) pairs from a user's CSV or JSONL file, for ``evaluate``; errors name the row."""
    path = Path(path)
    content = _decode(path.read_bytes())
    if path.suffix in (".jsonl", ".json"):
        rows = []
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as error:
                    raise ValueError(f"{path}: line {number} is not JSON ({error})") from None
    else:
        rows = list(csv.DictReader(io.StringIO(content, newline="")))
    pairs = []
    for number, row in enumerate(rows, start=1):
        missing = [col for col in (text_col, label_col) if not isinstance(row, dict) or row.get(col) is None]
        if missing:
            columns = ", ".join(row) if isinstance(row, dict) else type(row).__name__
            raise ValueError(f"{path}: row {number} has no column {', '.join(missing)}; it has {columns}")
        pairs.append((str(row[text_col]), str(row[label_col])))
    return pairs
