"""An XLSX comes back as it went in (issue 25): numbers stay numbers and the sheet keeps its name, through
the file API, the page's table routes and the command line."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from test_cli import run


def shop_book() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "五月评价"
    sheet.append(["订单号", "评价", "星级", "金额"])
    sheet.append(["A1001", "菜很好吃，下次还来", 5, 38.5])
    sheet.append(["A1002", "送餐太慢了", 1, 20])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def first_sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def test_the_file_api_keeps_numbers_and_the_sheet_name(client):
    response = client.post("/api/sentiment/file", data={"file": (io.BytesIO(shop_book()), "shop.xlsx")},
                           content_type="multipart/form-data")
    sheet = first_sheet(response.data)
    assert sheet.title == "五月评价"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("A1001", "菜很好吃，下次还来", 5, 38.5) and rows[2][2] == 1


def test_the_page_routes_carry_types_and_the_sheet_name_both_ways(client):
    table = client.post("/api/table", data={"file": (io.BytesIO(shop_book()), "shop.xlsx")},
                        content_type="multipart/form-data").get_json()
    assert table["sheet"] == "五月评价" and table["rows"][0] == ["A1001", "菜很好吃，下次还来", 5, 38.5]
    back = client.post("/api/table/xlsx", json={"name": "shop.xlsx", "sheet": table["sheet"], "columns": table["columns"],
                                                "rows": table["rows"]})
    sheet = first_sheet(back.data)
    assert sheet.title == "五月评价" and list(sheet.iter_rows(values_only=True))[1] == ("A1001", "菜很好吃，下次还来", 5, 38.5)
    odd = client.post("/api/table/xlsx", json={"sheet": "a/b:c[1]", "columns": ["x"], "rows": [[1]]})
    assert first_sheet(odd.data).title == "abc1"  # characters Excel refuses in a sheet name are left out
    assert client.post("/api/table/xlsx", json={"sheet": 5, "columns": ["x"], "rows": []}).status_code == 400


def test_the_command_line_keeps_the_sheet_name(tmp_path):
    source, out = tmp_path / "shop.xlsx", tmp_path / "out.xlsx"
    source.write_bytes(shop_book())
    assert run("tag", str(source), "-o", str(out)).returncode == 0
    sheet = first_sheet(out.read_bytes())
    assert sheet.title == "五月评价" and list(sheet.iter_rows(values_only=True))[1][2] == 5
