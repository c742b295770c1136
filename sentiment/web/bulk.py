"""Whole tables over HTTP: ``POST /api/sentiment/file`` answers the uploaded file with the model's columns
added; ``POST /api/table`` reads an upload into rows for the page, and ``POST /api/table/xlsx`` writes
the page's tagged rows back as a workbook (the page tags in chunks through ``/api/sentiment``)."""
from __future__ import annotations

import io
import re
from typing import Iterator

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from sentiment.bulk.tables import FORMATS, TableError, TableWriter, format_of, read_rows
from sentiment.bulk.columns import SAMPLE_ROWS, MissingColumn, text_column
from sentiment.bulk.tagging import Tagger
from sentiment.models.aspects.store import reader_for
from sentiment.models.custom.store import InvalidName, UnknownClassifier
from sentiment.models.deadline import check
from sentiment.web import tenancy
from sentiment.web.errors import ApiError, bad_request, deadline, read_budget, table_error, unknown_classifier
from sentiment.web.validation import header_language_from, json_body, threshold_from

bp = Blueprint("bulk", __name__)
OUTPUT_FORMATS = ("csv", "tsv", "jsonl", "xlsx")
# Werkzeug adds "; charset=utf-8" to a text/* mimetype itself; the others say it here.
MIMETYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values",
             "jsonl": "application/x-ndjson; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def read_upload(max_bytes: int, cells: int | None = None, about: dict | None = None
                ) -> tuple[Iterator[dict], str, str]:
    """(rows, format, file name) of the request's ``file``, after the upload limit is applied; the rows
    stream within the route's reading budget (``cells``: its own, else the file routes'); a workbook's
    sheet name goes into ``about["sheet"]`` as they do."""
    request.max_content_length = max_bytes
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise bad_request("missing_file", "请上传一个文件（字段名 file）：CSV、TSV、TXT、JSONL 或 XLSX。")
    kind = format_of(upload.filename)
    if kind not in FORMATS:
        raise bad_request("unsupported_file", "只支持 .csv、.tsv、.txt、.jsonl、.xlsx 文件。")
    data = io.BufferedReader(io.BytesIO(upload.read()))  # peekable, for the encoding sniff
    if not data.peek(1):
        raise bad_request("empty_file", "文件是空的。")
    try:
        return read_rows(data, kind, read_budget(cells), about), kind, upload.filename
    except TableError as error:
        raise table_error(error) from None


def limited(rows: Iterator[dict], limit: int, hint: str) -> Iterator[dict]:
    """The rows, refusing (lazily, as they stream) a table longer than ``limit``."""
    for number, row in enumerate(rows, start=1):
        if number > limit:
            raise bad_request("too_many_rows", f"超过 {limit} 行。{hint}", max_rows=limit)
        yield row


def _limited(rows: Iterator[dict]) -> Iterator[dict]:
    return limited(rows, current_app.config["SENTIMENT_MAX_FILE_ROWS"],
                   "更大的文件请用任务接口 /api/jobs 或命令行 `python -m sentiment tag`。")


def download_stem(name: str) -> str:
    """A file name's stem fit for a Content-Disposition header: no control characters or path
    separators (a CR/LF would split the header), at most 100 characters."""
    stem = re.sub(r"[\x00-\x1f\x7f/\\]", "", str(name)).rsplit(".", 1)[0].strip()[:100]
    return stem or "reviews"


def _attachment(buffer: io.BytesIO, kind: str, name: str) -> Response:
    buffer.seek(0)
    stem = download_stem(name)
    return send_file(buffer, mimetype=MIMETYPES[kind], as_attachment=True, download_name=f"{stem}.tagged.{kind}")


@bp.post("/api/sentiment/file")
def tag_file():
    """A whole file back with the model's columns added to every row, in the same request.
    ---
    post:
      summary: Tag a file (CSV, TSV, TXT, XLSX, JSON lines)
      requestBody: {required: true, content: {multipart/form-data: {schema: {$ref: '#/components/schemas/FileUpload'}}}}
      responses:
        200: {description: 'the tagged file (CSV with BOM, XLSX or JSON lines)'}
    """
    about: dict = {}
    rows, kind, name = read_upload(current_app.config["SENTIMENT_MAX_FILE_BYTES"], about=about)
    out_kind = request.form.get("format") or ("xlsx" if kind == "xlsx" else "csv")
    if out_kind not in OUTPUT_FORMATS:
        raise bad_request("invalid_format", f"format 只能是 {'、'.join(OUTPUT_FORMATS)}。")
    service = current_app.extensions["sentiment_model"].get(request.form.get("model") or None)
    classifier = None
    if request.form.get("classifier"):
        name = request.form["classifier"]
        try:
            classifier = tenancy.classifier(name)
        except (UnknownClassifier, InvalidName):
            raise unknown_classifier(name) from None
    aspects = None
    if request.form.get("aspects"):
        aspects = (reader_for(current_app.extensions["sentiment_model"], current_app.config),
                   tenancy.aspect_set(request.form["aspects"]))
    tagger = Tagger(service, request.form.get("column") or None, current_app.config["SENTIMENT_MAX_CHARS"],
                    classifier=classifier, aspects=aspects, threshold=threshold_from(request.form.get("threshold")),
                    headers=header_language_from(request.form.get("header_language")))
    buffer = io.BytesIO()
    written = 0
    budget = deadline()
    try:
        # Read whole before tagging (within the reading budget): a file over the row limit is refused
        # at once, not after minutes of tagging the rows before the limit.
        rows = list(_limited(rows))
        writer = TableWriter(buffer, out_kind, sheet=about.get("sheet"))  # a workbook keeps its sheet's name
        for row in tagger.tag(rows, deadline=budget):
            writer.write(row)
            written += 1
    except TableError as error:
        raise table_error(error) from None
    except MissingColumn as error:
        raise bad_request("missing_column", error.message) from None
    if not written:
        raise bad_request("empty_file", "文件里没有数据行。")
    writer.close()
    return _attachment(buffer, out_kind, name)


@bp.post("/api/table")
def read_table():
    """The upload's columns and rows as JSON, for the page to tag in chunks.
    ---
    post:
      summary: Read a file into rows (for the page)
      requestBody: {required: true, content: {multipart/form-data: {schema: {$ref: '#/components/schemas/TableUpload'}}}}
      responses:
        200: {description: 'columns and rows', content: {application/json: {schema: {type: object, required: [columns, rows]}}}}
    """
    about: dict = {}
    rows, kind, name = read_upload(current_app.config["SENTIMENT_MAX_FILE_BYTES"], about=about)
    columns: dict[str, int] = {}
    table = []
    try:
        for row in _limited(rows):
            for key in row:
                columns.setdefault(key, len(columns))
            table.append(_in_columns(row, columns))
    except TableError as error:
        raise table_error(error) from None
    if not table:
        raise bad_request("empty_file", "文件里没有数据行。")
    width = len(columns)
    rows = [row + [""] * (width - len(row)) for row in table]
    try:  # the column the page pre-selects: the one every other way in would read (bulk.columns)
        guessed = text_column([dict(zip(columns, row)) for row in rows[:SAMPLE_ROWS]], None)
    except MissingColumn:
        guessed = None
    return jsonify({"name": name, "format": kind, "columns": list(columns), "rows": rows, "text_column": guessed,
                    "sheet": about.get("sheet")})


def _in_columns(row: dict, columns: dict[str, int]) -> list[str | int | float | bool]:
    """A row as a list in the order of ``columns`` (each column's first appearance), each column's name sent
    once, not once per row; numbers and booleans as JSON has them (a workbook's 5 stays a number when the
    page writes it back), anything else as text."""
    out: list = [""] * len(columns)
    for key, value in row.items():
        out[columns[key]] = value if isinstance(value, (int, float, bool)) else "" if value is None else str(value)
    return out


@bp.post("/api/table/xlsx")
def write_workbook():
    """``{"name", "columns", "rows", "sheet"}`` (rows as lists, in the columns' order; numbers stay numbers;
    ``sheet``: the name ``/api/table`` gave, kept) as an .xlsx download.
    ---
    post:
      summary: Write rows as an XLSX file (for the page)
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TableRows'}}}}
      responses:
        200: {description: 'the XLSX file'}
    """
    request.max_content_length = current_app.config["SENTIMENT_MAX_FILE_BYTES"]
    body = json_body(request)
    columns, rows = body.get("columns"), body.get("rows")
    scalar = (str, int, float, bool, type(None))
    if (not isinstance(columns, list) or not isinstance(rows, list) or not isinstance(body.get("name", ""), str)
            or not all(isinstance(name, scalar) for name in columns)
            or not all(isinstance(r, list) and all(isinstance(v, scalar) for v in r) for r in rows)):
        raise bad_request("invalid_type", "需要 columns（列名数组）和 rows（每行一个由文本或数字组成的数组）。")
    names = list(map(str, columns))
    if len(set(names)) != len(names) or any(len(row) > len(names) for row in rows):
        raise bad_request("invalid_type", "列名不能重复，每行的值不能多于列名。")
    config = current_app.config
    if len(names) > config["SENTIMENT_MAX_FILE_COLUMNS"] or len(names) * len(rows) > config["SENTIMENT_MAX_FILE_CELLS"]:
        raise ApiError(413, "too_many_cells", f"表格超过 {config['SENTIMENT_MAX_FILE_COLUMNS']} 列或 "
                       f"{config['SENTIMENT_MAX_FILE_CELLS']} 个单元格的上限。", max_columns=config["SENTIMENT_MAX_FILE_COLUMNS"],
                       max_cells=config["SENTIMENT_MAX_FILE_CELLS"])
    sheet = body.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise bad_request("invalid_type", "sheet 必须是工作表名称（字符串）。")
    budget = deadline()
    buffer = io.BytesIO()
    writer = TableWriter(buffer, "xlsx", sheet=sheet)
    for at, row in enumerate(rows):
        if at % 1000 == 0:
            check(budget)
        writer.write(dict(zip(names, row)))
    writer.close()
    return _attachment(buffer, "xlsx", str(body.get("name") or "reviews.xlsx"))
