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
import json
from pathlib import Path
from typing import IO, Iterator, Sequence

FORMATS = ("csv", "tsv", "txt", "jsonl", "xlsx")
SNIFF = 1 << 16


class TableError(ValueError):
    """A file that cannot be read as the table it claims to be; the message says what to fix."""


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


def _delimited(stream: IO[str], delimiter: str) -> Iterator[dict]:
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError("文件是空的。") from None
    except UnicodeDecodeError:
        raise TableError("文件编码无法识别：请另存为 UTF-8 或 GBK 编码。") from None
    header = [name.strip() for name in header]
    if not any(header):
        raise TableError("第一行是表头，不能为空。")
    try:
        for row in reader:
            if row or len(header) == 1:  # one column: a blank line is a row whose text is empty
                yield {name: (row[at] if at < len(row) else "") for at, name in enumerate(header)}
    except (csv.Error, UnicodeDecodeError) as error:
        raise TableError(f"第 {reader.line_num} 行无法读取：{error}") from None


def _lines(stream: IO[str]) -> Iterator[dict]:
    for line in stream:
        line = line.rstrip("\r\n")
        if line.strip():
            yield {"text": line}


def _json_lines(stream: IO[str]) -> Iterator[dict]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise TableError(f"第 {number} 行不是 JSON（line {number} is not JSON）。") from None
        if not isinstance(row, dict):
            raise TableError(f"第 {number} 行不是 JSON 对象。")
        yield row


def _workbook(binary: IO[bytes]) -> Iterator[dict]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(binary, read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # zip, XML and openpyxl's own errors for a file that is not a workbook
        raise TableError(f"不是有效的 Excel .xlsx 文件（{type(error).__name__}）。") from None
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise TableError("文件是空的。")
    names = ["" if cell is None else str(cell).strip() for cell in header]
    for row in rows:
        if any(cell is not None for cell in row):
            yield {name: ("" if cell is None else cell) for name, cell in zip(names, row) if name}


def read_rows(binary: IO[bytes], kind: str) -> Iterator[dict]:
    """Every row of a table, in order, as a dict of its columns."""
    if kind == "xlsx":
        return _workbook(binary)
    if kind not in FORMATS:
        raise TableError(f"不支持的文件类型：{kind or '无扩展名'}（支持 {', '.join(FORMATS)}）。")
    stream = text_stream(binary)
    if kind == "txt":
        return _lines(stream)
    if kind == "jsonl":
        return _json_lines(stream)
    return _delimited(stream, "\t" if kind == "tsv" else ",")


def _cell(value: object) -> object:
    """A value a worksheet takes: control characters (which XML cannot hold) removed from text."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


class TableWriter:
    """Rows out in one format; the columns are fixed by the first row written."""

    def __init__(self, binary: IO[bytes], kind: str, header: bool = True):
        if kind not in ("csv", "tsv", "jsonl", "xlsx"):
            raise TableError(f"不支持的输出格式：{kind}（支持 csv、tsv、jsonl、xlsx）。")
        self.kind, self._binary, self._header = kind, binary, header
        self._columns: list[str] | None = None
        if kind == "xlsx":
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet()
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
        elif self.kind == "xlsx":
            self._sheet.append([_cell(row.get(name)) for name in self._columns])
        else:
            self._csv.writerow(["" if row.get(name) is None else row.get(name) for name in self._columns])

    def _put_header(self, columns: Sequence[str]) -> None:
        if self.kind == "xlsx":
            self._sheet.append(list(columns))
        elif self.kind != "jsonl":
            self._csv.writerow(columns)

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

