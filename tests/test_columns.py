"""The text column is found by what its cells hold, the same way for every way in (issue 25): a shop's
export with 订单号, 评价, 星级 is tagged on 评价, never on the order numbers; a column named always wins."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from sentiment.bulk.columns import MissingColumn, label_column, text_column
from test_cli import run
from test_jobs import make_app, wait

REVIEWS = ["菜很好吃，下次还来", "送餐太慢了，等了一个小时", "分量足，价格实惠", "服务员态度很差", "一般般吧，没什么特别"]


def shop_rows(count: int = 40) -> list[dict]:
    return [{"订单号": f"A{1000 + at}", "评价": REVIEWS[at % 5] + ("！" * (at % 3)), "星级": str(1 + at % 5)}
            for at in range(count)]


def shop_xlsx(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([row["订单号"], row["评价"], int(row["星级"])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rows, expected", [
    (shop_rows(), "评价"),
    ([{"id": str(at), "正文": REVIEWS[at % 5], "note": ""} for at in range(10)], "正文"),  # any header
    ([{"商品": "黄焖鸡米饭", "买家评价": REVIEWS[at % 5]} for at in range(10)], "买家评价"),  # prose beats a name
    ([{"a": "x" * 3, "review": REVIEWS[at % 5]} for at in range(10)], "review"),
])
def test_the_column_that_reads_like_prose_is_the_text(rows, expected):
    assert text_column(rows, None) == expected


def test_a_named_column_always_wins_and_a_table_without_text_is_refused():
    assert text_column(shop_rows(), "订单号") == "订单号"
    with pytest.raises(MissingColumn) as missing:
        text_column([{"id": "1", "星级": "5", "日期": "2024-03-05"}], None)
    assert "星级" in missing.value.message


def test_the_label_column_is_a_label_header_or_the_fewest_distinct_short_values():
    rows = [{"评价": REVIEWS[at % 5], "订单号": f"A{at}", "评级": "好评" if at % 2 else "差评"} for at in range(20)]
    assert label_column(rows, None, "评价") == "评级"
    assert label_column([{"text": "好", "标签": "正面", "x": "1"}], None, "text") == "标签"


def test_the_file_api_tags_the_review_column_of_a_shop_export(client):
    response = client.post("/api/sentiment/file", data={"file": (io.BytesIO(shop_xlsx(shop_rows())), "orders.xlsx"),
                                                        "format": "csv"}, content_type="multipart/form-data")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1]["评价"].startswith(REVIEWS[1]) and rows[1]["label"] == "负面" and rows[0]["label"] == "正面"


def test_the_table_route_tells_the_page_which_column_it_would_read(client):
    answer = client.post("/api/table", data={"file": (io.BytesIO(shop_xlsx(shop_rows())), "orders.xlsx")},
                         content_type="multipart/form-data").get_json()
    assert answer["columns"] == ["订单号", "评价", "星级"] and answer["text_column"] == "评价"


def test_a_job_reads_the_guessed_column_in_every_chunk(tmp_path):
    client = make_app(tmp_path, SENTIMENT_JOB_CHUNK_ROWS=10).test_client()
    body = "订单号,评价,星级\n" + "".join(f"{r['订单号']},{r['评价']},{r['星级']}\n" for r in shop_rows(35))
    response = client.post("/api/jobs", data={"file": (io.BytesIO(body.encode("gbk")), "orders.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    status = wait(client, response.get_json()["id"])
    assert status["options"]["column"] == "评价"
    rows = list(csv.DictReader(io.StringIO(client.get(status["result_url"]).data.decode("utf-8-sig"))))
    assert len(rows) == 35 and all(row["label"] and not row["error"] for row in rows)


def test_tag_teach_and_evaluate_on_the_command_line_find_the_columns(tmp_path):
    orders = tmp_path / "orders.xlsx"
    orders.write_bytes(shop_xlsx(shop_rows()))
    out = tmp_path / "out.csv"
    assert run("tag", str(orders), "-o", str(out)).returncode == 0
    assert next(csv.DictReader(out.open(encoding="utf-8-sig")))["label"] == "正面"
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("编号,评语,评级\n" + "".join(f"{at},{REVIEWS[at % 5]},{'好评' if at % 5 in (0, 2) else '差评'}\n"
                                                   for at in range(20)), encoding="utf-8")
    taught = run("teach", "评级分类", str(labelled), SENTIMENT_DATA_DIR=str(tmp_path / "data"))
    assert taught.returncode == 0, taught.stderr
