"""The first sheet of an .xlsx workbook, row by row, within a reading budget.

openpyxl's read-only sheet pads every row to the width the sheet declares and yields every row between
two it holds: ``<dimension ref="A1:XFD1048576"/>`` with rows 1, 2 and 1,048,576 walked a million empty
16,384-wide rows and held a worker for half an hour. Here openpyxl's own cell parser (types, shared
strings, dates by their number format) reads only the rows and cells the XML holds, each counted against
the budget (``budget.Walk``), and the zip's directory is checked before anything is inflated.
"""
from __future__ import annotations

import zipfile
import zlib
from typing import IO, Iterator

from sentiment.bulk.budget import TableError, Walk

# What a damaged workbook raises from zipfile, zlib, the XML parser and openpyxl's cell conversions
# (a t="n" cell holding text, a shared string index past the table, a bad date, …).
_BROKEN = (ValueError, IndexError, KeyError, TypeError, OverflowError, AttributeError, SyntaxError, EOFError,
           zipfile.BadZipFile, zlib.error, NotImplementedError)


def read_workbook(binary: IO[bytes], walk: Walk, about: dict | None = None) -> Iterator[dict]:
    """Every non-blank row after the header as a dict of the header's columns (absent cells are ""), values
    as the cells hold them (numbers stay numbers); ``about["sheet"]`` is set to the sheet's name."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        archive = zipfile.ZipFile(binary)
        total = 0
        for member in archive.infolist():
            total += member.file_size
            walk.expanded(member.filename, member.file_size, member.compress_size, total)
        book = load_workbook(binary, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        if about is not None:
            about["sheet"] = sheet.title
    except TableError:
        raise
    except _BROKEN:
        raise TableError("不是有效的 Excel .xlsx 文件（请用 Excel 或 WPS 另存为 .xlsx 后再上传）。") from None
    number = 0
    try:
        with sheet._get_source() as source:
            parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                     date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
            names: list[str] | None = None
            for number, cells in parser.parse():
                walk.row(max((cell["column"] for cell in cells), default=0))
                values = {cell["column"]: cell["value"] for cell in cells if cell["value"] is not None}
                if names is None:
                    if number != 1 or not values:
                        raise TableError("第一行是表头，不能为空。")
                    width = max(values)
                    names = ["" if values.get(at) is None else str(values[at]).strip() for at in range(1, width + 1)]
                    continue
                if any(value != "" for value in values.values()):
                    yield {name: values.get(at, "") for at, name in enumerate(names, start=1) if name}
            if names is None:
                raise TableError("文件是空的。")
    except TableError:
        raise
    except _BROKEN:
        raise TableError(f"第 {number + 1} 行附近的内容无法读取，文件可能已损坏：请用 Excel 或 WPS 打开后另存为 .xlsx。"
                         ) from None
    finally:
        book.close()
