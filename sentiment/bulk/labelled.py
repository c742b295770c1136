"""A user's labelled file as (text, label) pairs: for ``evaluate`` and for teaching a classifier.

The table itself is read by ``sentiment.bulk.tables`` (CSV/TSV in UTF-8 or GBK, TXT, JSON lines,
XLSX), as files to tag are; this picks the two columns and names the row that lacks one, since the
person fixing the file sees it in a spreadsheet.
"""
from __future__ import annotations

import io
from typing import Sequence

from sentiment.bulk.tables import ReadBudget, format_of, read_rows

SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".xlsx")


def read_labelled_rows(raw: bytes, name: str, text_cols: Sequence[str] = ("review",),
                       label_cols: Sequence[str] = ("label",), budget: ReadBudget = ReadBudget()
                       ) -> list[tuple[str, str]]:
    """(text, raw label) pairs; the text and label columns are the first of each list that the file has.
    A file whose name has no table suffix is read as CSV. Raises ValueError (``TableError``) naming the problem."""
    kind = format_of(name)
    rows = list(read_rows(io.BufferedReader(io.BytesIO(raw)), kind if kind in ("tsv", "jsonl", "xlsx") else "csv",
                          budget))
    first = rows[0] if rows else {}
    text_col = next((c for c in text_cols if c in first), text_cols[0])
    label_col = next((c for c in label_cols if c in first), label_cols[0])
    pairs = []
    for number, row in enumerate(rows, start=1):
        missing = [col for col in (text_col, label_col) if row.get(col) is None]
        if missing:
            raise ValueError(f"{name}: row {number} has no column {', '.join(missing)}; it has {', '.join(row)}")
        pairs.append((str(row[text_col]), str(row[label_col])))
    return pairs
