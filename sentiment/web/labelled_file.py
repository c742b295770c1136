"""Reading a user's labelled file: CSV (UTF-8 or Excel's GBK), JSON lines, or an Excel workbook.

Used by ``evaluate`` (score the model on your labels) and by teaching a classifier (from the
page's upload, the API or ``teach``). Errors name the row or line, since the person fixing
the file sees it in a spreadsheet.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Sequence

SUFFIXES = (".csv", ".jsonl", ".json", ".xlsx")


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: Excel in China saves CSVs as GBK, a subset of GB18030."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _workbook_rows(raw: bytes, name: str) -> list[dict]:
    """The first sheet's rows as dicts keyed by its first row, the header; empty rows skipped."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises zip, XML and its own errors for a file that is not a workbook
        raise ValueError(f"{name}: not an Excel .xlsx workbook ({type(error).__name__})") from None
    values = [row for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]
    if not values:
        return []
    header = ["" if cell is None else str(cell).strip() for cell in values[0]]
    return [{column: cell for column, cell in zip(header, row) if column} for row in values[1:]]


def _rows(raw: bytes, name: str) -> list[dict]:
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix == ".xlsx":
        return _workbook_rows(raw, name)
    content = _decode(raw)
    if suffix in (".jsonl", ".json"):
        rows = []
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as error:
                    raise ValueError(f"{name}: line {number} is not JSON ({error})") from None
        return rows
    return list(csv.DictReader(io.StringIO(content, newline="")))


def _column(rows: list[dict], wanted: Sequence[str]) -> str:
    """The first of ``wanted`` that the file has (the first row's keys), else the first one, to be named missing."""
    keys = rows[0] if rows and isinstance(rows[0], dict) else {}
    return next((column for column in wanted if column in keys), wanted[0])


def read_labelled_rows(raw: bytes, name: str, text_cols: Sequence[str] = ("review",),
                       label_cols: Sequence[str] = ("label",)) -> list[tuple[str, str]]:
    """(text, raw label) pairs; the text and label columns are the first of each list that the file has."""
    rows = _rows(raw, name)
    text_col, label_col = _column(rows, text_cols), _column(rows, label_cols)
    pairs = []
    for number, row in enumerate(rows, start=1):
        missing = [col for col in (text_col, label_col) if not isinstance(row, dict) or row.get(col) is None]
        if missing:
            columns = ", ".join(row) if isinstance(row, dict) else type(row).__name__
            raise ValueError(f"{name}: row {number} has no column {', '.join(missing)}; it has {columns}")
        pairs.append((str(row[text_col]), str(row[label_col])))
    return pairs
