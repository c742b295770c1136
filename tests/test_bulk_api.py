"""Whole files over HTTP: the tagged file back with every row in order, and each malformed file's error."""
from __future__ import annotations

import csv
import io
import json

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT, ROOT

REVIEWS = ["这个东西真心很赞", "质量太差了，再也不买了", "", "送餐很快，味道也不错", "客服态度冷淡，等了一个小时"]


def table(encoding: str = "utf-8-sig") -> bytes:
    lines = ["id,评论,stars"] + [f"{at},{text},{at % 5 + 1}" for at, text in enumerate(REVIEWS)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, data: bytes, name: str, **form: str):
    return client.post("/api/sentiment/file", data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.get_json()
    assert response.data.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_a_csv_comes_back_with_every_row_in_order_and_the_models_columns(client, encoding):
    rows = rows_of(upload(client, table(encoding), "reviews.csv"))
    assert [r["评论"] for r in rows] == REVIEWS and [r["id"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert list(rows[0]) == ["id", "评论", "stars", "label", "polarity", "confidence", "score_负面", "score_正面", "reason",
                             "mixed", "error"]
    assert [r["polarity"] for r in rows] == ["Positive", "Negative", "", "Positive", "Negative"]
    assert rows[2]["label"] == "" and rows[2]["error"].startswith("empty_text")
    assert float(rows[0]["confidence"]) == pytest.approx(float(rows[0]["score_正面"]))


def test_xlsx_in_xlsx_out_and_txt_in_csv_out(client):
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    book.active.append(["review", "label"])
    for text in REVIEWS[:2]:
        book.active.append([text, "mine"])
    data = io.BytesIO()
    book.save(data)
    response = upload(client, data.getvalue(), "店铺评论.xlsx")
    assert response.status_code == 200 and "tagged.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    # "label" was already a column: the model's columns are prefixed
    assert values[0][:4] == ("review", "label", "model_label", "model_polarity")
    assert [row[0] for row in values[1:]] == REVIEWS[:2] and [row[2] for row in values[1:]] == ["正面", "负面"]
    rows = rows_of(upload(client, "\n".join(REVIEWS[:2]).encode(), "lines.txt"))
    assert [r["text"] for r in rows] == REVIEWS[:2]


def test_jsonl_output_and_a_named_column(client):
    response = upload(client, "a,b\n好评,质量太差了\n".encode(), "x.csv", column="b", format="jsonl")
    assert response.status_code == 200
    (row,) = [json.loads(line) for line in response.data.decode().splitlines()]
    assert row["a"] == "好评" and row["label"] == "负面"


@pytest.fixture()
def small(tmp_path):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_DATA_DIR": str(tmp_path), "SENTIMENT_MAX_FILE_ROWS": 3,
                      "SENTIMENT_MAX_FILE_BYTES": 2000})
    return app.test_client()


@pytest.mark.parametrize("data, name, form, status, code", [
    (None, None, {}, 400, "missing_file"),
    (b"x", "reviews.pdf", {}, 400, "unsupported_file"),
    (b"", "reviews.csv", {}, 400, "empty_file"),
    ("id,评论\n".encode(), "reviews.csv", {}, 400, "empty_file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", {}, 400, "invalid_file"),
    (b"\xff\xfe\xfd\xfc" * 10, "reviews.csv", {}, 400, "invalid_file"),  # neither UTF-8 nor GBK
    (b"not a workbook", "reviews.xlsx", {}, 400, "invalid_file"),
    ("id,星级\n1,5\n".encode(), "reviews.csv", {}, 400, "missing_column"),  # no column reads like text
    ("id,评论\n1,好\n".encode(), "reviews.csv", {"column": "正文"}, 400, "missing_column"),
    ("评论\n好\n".encode(), "reviews.csv", {"format": "pdf"}, 400, "invalid_format"),
    ("评论\n好\n差\n好\n差\n".encode(), "reviews.csv", {}, 400, "too_many_rows"),
    (("评论\n" + "好" * 3000 + "\n").encode(), "reviews.csv", {}, 413, "payload_too_large"),
])
def test_malformed_files_get_their_error(small, data, name, form, status, code):
    files = {} if data is None else {"file": (io.BytesIO(data), name)}
    response = small.post("/api/sentiment/file", data={**files, **form}, content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == status and body["code"] == code and body["error"], body
    if code == "payload_too_large":
        assert "1 KB" in body["error"]  # the file route's own limit, not the JSON one


def test_the_page_reads_a_table_and_gets_a_workbook_back(client):
    response = client.post("/api/table", data={"file": (io.BytesIO(table("gbk")), "r.csv")},
                           content_type="multipart/form-data")
    body = response.get_json()
    assert body["columns"] == ["id", "评论", "stars"] and [r[1] for r in body["rows"]] == REVIEWS
    response = client.post("/api/table/xlsx", json={"name": "r.xlsx", "columns": ["评论", "label"],
                                                    "rows": [["好", "正面"], ["差", "负面"]]})
    from openpyxl import load_workbook

    values = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert values == [("评论", "label"), ("好", "正面"), ("差", "负面")]


def test_a_taught_classifier_adds_its_own_columns(tmp_path):
    from test_custom_api import examples

    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_DATA_DIR": str(tmp_path)})
    client = app.test_client()
    assert client.post("/api/classifiers", json={"name": "路由", "examples": examples()}).status_code == 201
    data = "评论\n快递三天才到，太慢了\n\n质量太差，穿一次就破了\n".encode()
    rows = rows_of(upload(client, data, "r.csv", classifier="路由"))
    assert [r["路由_label"] for r in rows] == ["物流问题", "", "商品质量"]
    assert {"路由_confidence", "路由_score_物流问题", "路由_score_商品质量", "路由_score_售后体验"} <= set(rows[0])
    assert rows[1]["error"].startswith("empty_text") and rows[0]["label"] == "负面"
    response = upload(client, data, "r.csv", classifier="nobody")
    assert response.status_code == 404 and response.get_json()["code"] == "unknown_classifier"


def test_control_characters_do_not_break_a_workbook_and_odd_cells_are_refused(client):
    from openpyxl import load_workbook

    response = upload(client, "review\n好\x01评\n".encode(), "a.csv", format="xlsx")
    assert response.status_code == 200
    assert list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))[1][0] == "好评"
    response = client.post("/api/table/xlsx", json={"columns": ["a"], "rows": [[{"nested": 1}]]})
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_type"


def test_a_file_may_name_another_bundled_model_than_the_one_served(client):
    from sentiment.models.backends.bundled import DEFAULT_DIR, BundledBackend
    from sentiment.models.service import SentimentService

    texts = ["送餐很快，味道也不错", "本来以为会很难吃，结果出乎意料的好吃", "客服态度冷淡"]
    data = ("评论\n" + "\n".join(texts) + "\n").encode()
    response = upload(client, data, "r.csv", model="bundled-fast", format="jsonl")
    rows = [json.loads(line) for line in response.data.decode().splitlines()]
    expected = SentimentService(BundledBackend(DEFAULT_DIR, "bundled")).analyse(texts)
    assert [row["label"] for row in rows] == [answer["label"] for answer in expected]
    assert all(abs(row["confidence"] - answer["confidence"]) < 1e-3 for row, answer in zip(rows, expected))
    unknown = upload(client, data, "r.csv", model="gpt-4").get_json()
    assert unknown["code"] == "unknown_model" and "bundled-fast" in unknown["models"]


def test_a_named_model_that_cannot_load_answers_503_with_the_reason(tmp_path):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_DATA_DIR": str(tmp_path), "SENTIMENT_BUNDLED_DIR": str(tmp_path / "missing")})
    client = app.test_client()
    for _ in range(2):  # the failure is remembered, and said again
        response = upload(client, "评论\n好\n".encode(), "r.csv", model="bundled-fast")
        body = response.get_json()
        assert response.status_code == 503 and body["code"] == "model_not_ready"
        assert "bundled-fast" in body["error"] and "missing" in body["error"]
    assert upload(client, "评论\n好\n".encode(), "r.csv").status_code == 200  # the served model is unharmed


def test_the_heads_of_one_file_share_its_session():
    from sentiment.models.backends.transformer import TransformerBackend

    binary = TransformerBackend(ROOT / "models" / "transformer", "bundled")
    emotion = binary.with_head("bundled-emotion", "emotion")
    assert emotion._session is binary._session and binary.labels == ("负面", "正面")
    assert emotion.name.startswith("bundled-emotion: ") and len(emotion.predict(["太开心了"])[0].scores) == 6
