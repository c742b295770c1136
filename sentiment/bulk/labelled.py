"""A user's labelled file as (text, label) pairs: for ``evaluate`` and for teaching a classifier.

The table itself is read by ``sentiment.bulk.tables`` (CSV/TSV in UTF-8 or GBK, TXT, JSON lines,
XLSX), as files to tag are; the two columns are the ones named, else ``columns`` guesses them as it
does for every table; a row that lacks one is named, since the person fixing the file sees it in a
spreadsheet.
"""
from __future__ import annotations

import io
from sentiment.bulk.columns import label_column, text_column
from sentiment.bulk.tables import ReadBudget, format_of, read_rows

SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".xlsx")


def read_labelled_rows(raw: bytes, name: str, text_col: str | None = None, label_col: str | None = None,
                       budget: ReadBudget = ReadBudget()) -> list[tuple[str, str]]:
    """(text, raw label) pairs from the columns named or guessed (``columns``). A file whose name has no
    table suffix is read as CSV. Raises ValueError (``TableError``, ``MissingColumn``) naming the problem."""
    kind = format_of(name)
    rows = list(read_rows(io.BufferedReader(io.BytesIO(raw)), kind if kind in ("tsv", "jsonl", "xlsx") else "csv",
                          budget))
    text_col = text_column(rows, text_col)
    label_col = label_column(rows, label_col, text_col)
    pairs = []
    for number, row in enumerate(rows, start=1):
        missing = [col for col in (text_col, label_col) if row.get(col) is None]
        if missing:
            raise ValueError(f"{name}：第 {number} 行没有 {'、'.join(missing)} 列；它的列是 {'、'.join(map(str, row))}")
        pairs.append((str(row[text_col]), str(row[label_col])))
    return pairs
