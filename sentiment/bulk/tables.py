"""Tables in and out, one row at a time: CSV, TSV, TXT, JSON lines and XLSX.

Rows stream (a 1,000,000-row CSV never sits in memory): readers yield one dict per row with the
file's own columns in order, writers take dicts. CSV and TSV are read as UTF-8 (with or without the
BOM that Excel writes) or, when the start of the file is not UTF-8, as GB18030 (Excel's GBK);
CSV goes out as UTF-8 with a BOM so that Excel shows the Chinese. A TXT file is one text per line,
in a column named ``text`` (blank lines are not rows); in a one-column CSV a blank line is a row
with an empty text, as Excel writes one.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import json
from pathlib import Path
from typing import IO, Iterator, Sequence

from sentiment.bulk.budget import ReadBudget, TableError, TableTooCostly, Walk
from sentiment.bulk.formulas import csv_cell, xlsx_cell
from sentiment.bulk.workbook import read_workbook

__all__ = ["FORMATS", "ReadBudget", "TableError", "TableTooCostly", "TableWriter", "count_rows", "format_of",
           "read_rows", "trim_partial"]
FORMATS = ("csv", "tsv", "txt", "jsonl", "xlsx")
SNIFF = 1 << 16

def format_of(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {"json": "jsonl", "tab": "tsv"}.get(suffix, suffix)


def encoding_of(head: bytes) -> str:
    """utf-8-sig when the file's first 64 KB are UTF-8 (a character cut at the end is allowed), else gb18030."""
    if b"\x00" in head:
        raise TableError("这不是文本文件（含有二进制内容）。")
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise TableError("文件编码无法识别：请另存为 UTF-8 或 GBK 编码。") from None


def text_stream(binary: IO[bytes]) -> IO[str]:
    """The binary stream as text in its own encoding, read from the start (the first 64 KB are sniffed)."""
    buffered = binary if hasattr(binary, "peek") else io.BufferedReader(binary, SNIFF)
    head = buffered.peek(SNIFF)[:SNIFF]
    return io.TextIOWrapper(buffered, encoding=encoding_of(head), newline="")


def _delimited(stream: IO[str], delimiter: str, walk: Walk) -> Iterator[dict]:
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError("文件是空的。") from None
    except UnicodeDecodeError:
        raise TableError("文件编码无法识别：请另存为 UTF-8 或 GBK 编码。") from None
    except csv.Error:
        raise TableError("第 1 行无法读取：请检查引号是否成对，或单元格是否过长。") from None
    walk.row(len(header))
    header = [name.strip() for name in header]
    if not any(header):
        raise TableError("第一行是表头，不能为空。")
    try:
        for row in reader:
            walk.row(len(row))
            if row or len(header) == 1:  # one column: a blank line is a row whose text is empty
                yield {name: (row[at] if at < len(row) else "") for at, name in enumerate(header)}
    except UnicodeDecodeError:
        raise TableError(f"第 {reader.line_num} 行的编码无法识别：请另存为 UTF-8 或 GBK 编码。") from None
    except csv.Error:
        raise TableError(f"第 {reader.line_num} 行无法读取：请检查引号是否成对，或单元格是否过长。") from None


def _lines(stream: IO[str], walk: Walk) -> Iterator[dict]:
    for line in stream:
        walk.row(1)
        line = line.rstrip("\r\n")
        if line.strip():
            yield {"text": line}


def _json_lines(stream: IO[str], walk: Walk) -> Iterator[dict]:
    """Each line an object; rows may name different keys, so a row's width is every key seen so far."""
    seen: set[str] = set()
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            walk.row(0)
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):  # a line of 100,000 "[" nests past the parser's depth
            raise TableError(f"第 {number} 行不是 JSON（line {number} is not JSON）。") from None
        if not isinstance(row, dict):
            raise TableError(f"第 {number} 行不是 JSON 对象。")
        seen.update(row)
        walk.row(len(seen))
        yield row


def read_rows(binary: IO[bytes], kind: str, budget: ReadBudget = ReadBudget(), about: dict | None = None
              ) -> Iterator[dict]:
    """Every row of a table, in order, as a dict of its columns; reading stops at the first bound of
    ``budget`` crossed (``TableTooCostly``), however the file is built (see ``budget``). A workbook's sheet
    name goes into ``about["sheet"]`` once reading starts, for a writer to keep it."""
    walk = budget.counter()
    if kind == "xlsx":
        return read_workbook(binary, walk, about)
    if kind not in FORMATS:
        raise TableError(f"不支持的文件类型：{kind or '无扩展名'}（支持 {', '.join(FORMATS)}）。", "unsupported_file")
    stream = text_stream(binary)
    if kind == "txt":
        return _lines(stream, walk)
    if kind == "jsonl":
        return _json_lines(stream, walk)
    return _delimited(stream, "\t" if kind == "tsv" else ",", walk)


def sheet_title(name: object) -> str | None:
    """A name Excel takes for a sheet (at most 31 characters, none of []:*?/\\), or None for the default."""
    if not isinstance(name, str):
        return None
    cleaned = re.sub(r"[\[\]:*?/\\\x00-\x1f]", "", name).strip("' ")[:31]
    return cleaned or None


class TableWriter:
    """Rows out in one format; the columns are fixed by the first row written."""

    def __init__(self, binary: IO[bytes], kind: str, header: bool = True, sheet: str | None = None):
        if kind not in ("csv", "tsv", "jsonl", "xlsx"):
            raise TableError(f"不支持的输出格式：{kind}（支持 csv、tsv、jsonl、xlsx）。")
        self.kind, self._binary, self._header = kind, binary, header
        self._columns: list[str] | None = None
        if kind == "xlsx":
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet(sheet_title(sheet))
        else:
            # A BOM only at the start of a new file: appending to a partial output must not add another.
            encoding = "utf-8-sig" if kind in ("csv", "tsv") and header else "utf-8"
            self._text = io.TextIOWrapper(binary, encoding=encoding, newline="", write_through=True)
            self._csv = csv.writer(self._text, delimiter="\t" if kind == "tsv" else ",", lineterminator="\r\n")

    def write(self, row: dict) -> None:
        if self._columns is None:
            self._columns = list(row)
            if self._header:
                self._put_header(self._columns)
        if self.kind == "jsonl":
            self._text.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        else:
            self._put([row.get(name) for name in self._columns])

    def _put_header(self, columns: Sequence[str]) -> None:
        if self.kind != "jsonl":
            self._put(list(columns))

    def _put(self, values: list) -> None:
        """One row of a spreadsheet format, each cell through the formula guard (``formulas``)."""
        if self.kind == "xlsx":
            self._sheet.append([xlsx_cell(self._sheet, value) for value in values])
        else:
            self._csv.writerow([csv_cell(value) for value in values])

    def close(self) -> None:
        if self.kind == "xlsx":
            self._book.save(self._binary)
        else:
            self._text.flush()
            self._text.detach()


def trim_partial(path: Path, kind: str) -> None:
    """Cut a partial output back to its last whole row: a run killed mid-write leaves half a row.
    Rows end in CRLF (CSV, TSV, as the writer ends them) or LF (JSON lines, one object per line)."""
    ending = b"\n" if kind == "jsonl" else b"\r\n"
    data = path.read_bytes()
    if data and not data.endswith(ending):
        keep = data.rfind(ending)
        with open(path, "r+b") as stream:
            stream.truncate(keep + len(ending) if keep >= 0 else 0)


def count_rows(path: Path, kind: str) -> int:
    """Data rows already in a partial output (header not counted), to resume after them."""
    with open(path, "rb") as binary:
        if kind == "jsonl":
            return sum(1 for line in binary if line.strip())
        stream = text_stream(binary)
        rows = sum(1 for _ in csv.reader(stream, delimiter="\t" if kind == "tsv" else ","))
        return max(0, rows - 1)

