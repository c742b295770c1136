"""Aspects: which categories a review talks about, how it feels about each, the words that say so; through
the reader, the API, files, jobs and the CLI, on the shipped models."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from app import create_app
from conftest import NO_ZERO_SHOT
from sentiment.models.aspects.sets import ready_made, set_from_json
from sentiment.models.aspects.teach import learn_terms
from test_cli import run
from test_jobs import wait

MIXED = "煲仔饭一如既往的好吃，但是鸡煲味道一般!"


def aspects_of(client, text: str, set_id: str = "restaurant") -> dict:
    response = client.post("/api/aspects", json={"text": text, "set": set_id})
    assert response.status_code == 200, response.get_json()
    return {a["category"]: a for a in response.get_json()["aspects"]}


def assert_offsets_slice(text: str, aspects: list[dict]) -> None:
    for aspect in aspects:
        for mention in aspect["mentions"]:
            assert text[mention["start"]:mention["end"]] == mention["text"]
            for target in mention["targets"]:
                assert text[target["start"]:target["end"]] == target["text"]
                assert mention["start"] <= target["start"] < target["end"] <= mention["end"]


def test_a_praised_dish_and_a_criticised_one_are_both_evidence_for_taste(client):
    found = aspects_of(client, MIXED)
    taste = found["口味"]
    labels = {m["label"] for m in taste["mentions"]}
    assert labels == {"正面", "负面"} and taste["mixed"] is True
    negative = next(m for m in taste["mentions"] if m["label"] == "负面")
    assert "鸡煲" in [t["text"] for t in negative["targets"]] and negative["text"] == "但是鸡煲味道一般"


@pytest.mark.parametrize("text, category, label", [
    ("口味还行", "口味", "中性"),  # lukewarm is 中性 to a shop owner
    ("分量太少了，吃不饱", "分量", "负面"),
    ("送餐很快，半小时就到了", "配送速度", "正面"),
    ("服务员态度很差", "服务", "负面"),
    ("价格实惠，性价比很高", "价格", "正面"),
])
def test_each_category_with_its_polarity(client, text, category, label):
    found = aspects_of(client, text)
    assert found[category]["label"] == label, found


def test_text_about_none_of_the_categories_is_not_forced_into_one(client):
    assert aspects_of(client, "今天天气很好，我们去公园散步了") == {}
    assert aspects_of(client, "周末尽量早点去") == {}  # 尽量 holds 分量's 量 and is not about it (the set's ignore)


def test_offsets_slice_the_text_as_sent_with_emoji_and_crlf(client):
    text = "👍🏻👍🏻 环境很好\r\n但是服务员态度很差😡，上菜也慢"
    response = client.post("/api/aspects", json={"texts": [text, "菜品👍很好吃"]})
    results = response.get_json()["results"]
    assert {a["category"] for a in results[0]["aspects"]} >= {"环境", "服务"}
    for result in results:
        assert_offsets_slice(result["text"], result["aspects"])


def test_the_sentiment_api_carries_aspects_when_asked(client):
    plain = client.post("/api/sentiment", json={"text": MIXED}).get_json()
    assert "aspects" not in plain
    asked = client.post("/api/sentiment", json={"text": MIXED, "aspects": "restaurant"}).get_json()
    assert asked["label"] == plain["label"] and [a["category"] for a in asked["aspects"]] == ["口味"]


@pytest.mark.parametrize("body, status, code", [
    ({"text": "好吃", "set": "no-such-set"}, 404, "unknown_aspect_set"),
    ({"text": "好吃", "set": 5}, 400, "invalid_type"),
    ({"text": "好吃", "set": ""}, 400, "invalid_type"),
    ({"set": "restaurant"}, 400, "missing_field"),
    ({"text": "   ", "set": "restaurant"}, 400, "empty_text"),
])
def test_bad_aspect_requests_get_clear_errors(client, body, status, code):
    response = client.post("/api/aspects", json=body)
    assert response.status_code == status and response.get_json()["code"] == code


def test_an_unknown_set_on_the_sentiment_api_is_404(client):
    response = client.post("/api/sentiment", json={"text": "好吃", "aspects": "../../etc/passwd"})
    assert response.status_code == 404 and response.get_json()["code"] == "unknown_aspect_set"


def test_every_ready_made_set_has_the_categories_the_product_promises():
    sets = ready_made()
    assert set(sets) == {"restaurant", "shopping", "hotel", "car"}
    assert {"口味", "分量", "价格", "服务", "环境", "位置", "配送速度", "包装", "卫生"} <= set(sets["restaurant"].names)
    assert {"质量", "物流", "价格", "客服", "包装", "外观", "与描述相符"} <= set(sets["shopping"].names)
    assert {"位置", "房间", "卫生", "服务", "早餐", "价格", "设施"} <= set(sets["hotel"].names)
    assert set(sets["car"].names) == {"动力", "价格", "内饰", "配置", "安全性", "外观", "操控", "油耗", "空间", "舒适性"}


def test_terms_taught_from_examples_are_the_words_they_share_and_not_common_ones():
    learned = learn_terms({"停车": ["停车很方便", "附近停车难", "停车场太小了", "不错，停车免费"],
                           "饮品": ["奶茶很好喝", "奶茶太甜了", "果汁不错", "鲜榨果汁新鲜"]})
    assert learned["停车"] == ["停车"] and set(learned["饮品"]) == {"奶茶", "果汁"}  # 不错 is everywhere


def test_a_category_added_to_a_ready_made_set_wins_its_words_and_shows_up(app):
    client = app.test_client()
    body = {"id": "my-shop", "name": "我的店", "base": "restaurant",
            "categories": {"停车": {"examples": ["停车很方便", "附近停车难", "停车场太小了", "停车免费"]}}}
    made = client.post("/api/aspect-sets", json=body)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["categories"]["停车"]["learned"] == ["停车"]
    assert "口味" in made.get_json()["categories"]  # the base's categories came along
    found = aspects_of(client, "停车场太小，不过味道不错", "my-shop")
    assert found["停车"]["label"] == "负面" and found["口味"]["label"] == "正面" and "位置" not in found
    again = client.post("/api/aspect-sets", json=body)
    assert again.status_code == 409 and again.get_json()["code"] == "aspect_set_exists"
    assert client.post("/api/aspect-sets", json={**body, "replace": True}).status_code == 201
    assert "my-shop" in [s["id"] for s in client.get("/api/aspect-sets").get_json()["sets"]]
    assert client.delete("/api/aspect-sets/my-shop").get_json() == {"deleted": "my-shop"}
    assert client.post("/api/aspects", json={"text": "好吃", "set": "my-shop"}).status_code == 404


@pytest.mark.parametrize("body, code", [
    ({"id": "restaurant", "categories": {"a": {"targets": ["x"]}}}, "invalid_aspect_set"),  # a ready-made id
    ({"id": "x", "categories": {}}, "invalid_aspect_set"),
    ({"id": "x", "base": "restaurant", "categories": {}}, "invalid_aspect_set"),
    ({"id": "x", "categories": {"口味": {}}}, "invalid_aspect_set"),
    ({"id": "x", "categories": {"口味": {"targets": "味道"}}}, "invalid_aspect_set"),
    ({"id": "a/b", "categories": {"口味": {"targets": ["味道"]}}}, "invalid_aspect_set"),
    ({"id": "x", "base": "nope", "categories": {"口味": {"targets": ["味道"]}}}, "invalid_aspect_set"),
    ({"id": "x", "categories": {"口味": {"targets": ["味道"], "weights": [1]}}}, "invalid_aspect_set"),
])
def test_a_set_that_cannot_be_used_is_refused(client, body, code):
    response = client.post("/api/aspect-sets", json=body)
    assert response.status_code == 400 and response.get_json()["code"] == code


def test_ready_made_sets_cannot_be_deleted(client):
    response = client.delete("/api/aspect-sets/restaurant")
    assert response.status_code == 400 and response.get_json()["code"] == "builtin_aspect_set"


def test_another_keys_set_is_unknown_to_you(tmp_path):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_DATA_DIR": str(tmp_path), "SENTIMENT_API_KEYS": ["shop:shop-key", "crm:crm-key"]})
    client = app.test_client()
    body = {"id": "ours", "categories": {"停车": {"targets": ["停车"]}}}
    assert client.post("/api/aspect-sets", json=body, headers={"X-API-Key": "shop-key"}).status_code == 201
    other = client.post("/api/aspects", json={"text": "停车难", "set": "ours"}, headers={"X-API-Key": "crm-key"})
    assert other.status_code == 404
    assert "ours" not in [s["id"] for s in client.get("/api/aspect-sets", headers={"X-API-Key": "crm-key"}).get_json()["sets"]]
    assert client.delete("/api/aspect-sets/ours", headers={"X-API-Key": "crm-key"}).status_code == 404
    mine = client.post("/api/aspects", json={"text": "停车难", "set": "ours"}, headers={"X-API-Key": "shop-key"})
    assert [a["category"] for a in mine.get_json()["aspects"]] == ["停车"]


def test_a_tagged_file_gets_one_column_per_category(client):
    source = "订单号,评价\nA1,菜很好吃，送餐太慢\nA2,\nA3,今天下雨了\n=1+1,价格便宜量又足\n".encode()
    response = client.post("/api/sentiment/file", data={"file": (io.BytesIO(source), "r.csv"), "column": "评价",
                                                        "aspects": "restaurant", "format": "xlsx"},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.data[:300]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[-9:] == list(ready_made()["restaurant"].names)
    by_id = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert by_id["A1"]["口味"] == "正面" and by_id["A1"]["配送速度"] == "负面" and by_id["A1"]["分量"] in ("", None)
    assert all(by_id["A3"][name] in ("", None) for name in ready_made()["restaurant"].names)
    assert by_id["A2"]["error"].startswith("empty_text")
    assert by_id["=1+1"]["价格"] == "正面"  # the guarded id cell is text, read back as it was sent


def test_a_clash_with_an_input_column_prefixes_the_aspect_columns(client):
    source = "评价,口味\n味道很好,5\n".encode()
    response = client.post("/api/sentiment/file", data={"file": (io.BytesIO(source), "r.csv"), "aspects": "restaurant",
                                                        "column": "评价"}, content_type="multipart/form-data")
    row = next(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert row["口味"] == "5" and row["aspect_口味"] == "正面"


def test_a_job_with_an_aspect_set_adds_its_columns(tmp_path):
    from test_jobs import make_app

    client = make_app(tmp_path).test_client()
    response = client.post("/api/jobs", json={"texts": ["环境很好", "服务员态度很差", ""], "aspects": "restaurant",
                                              "format": "csv"})
    assert response.status_code == 202, response.get_json()
    status = wait(client, response.get_json()["id"])
    rows = list(csv.DictReader(io.StringIO(client.get(status["result_url"]).data.decode("utf-8-sig"))))
    assert [r["环境"] for r in rows] == ["正面", "", ""] and [r["服务"] for r in rows] == ["", "负面", ""]
    refused = client.post("/api/jobs", json={"texts": ["好吃"], "aspects": "no-such-set"})
    assert refused.status_code == 404 and refused.get_json()["code"] == "unknown_aspect_set"


def test_the_cli_reads_aspects_and_tags_a_file_with_them(tmp_path):
    result = run("aspects", MIXED, "")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["aspects"][0]["category"] == "口味" and lines[1]["code"] == "empty_text" and result.returncode == 2
    listed = [json.loads(line)["id"] for line in run("aspects", "--list").stdout.splitlines()]
    assert listed == ["car", "hotel", "restaurant", "shopping"]
    unknown = run("aspects", "--set", "nope", "好吃")
    assert unknown.returncode == 2 and "没有名为“nope”的类别集" in unknown.stderr
    source, out = tmp_path / "r.csv", tmp_path / "out.csv"
    source.write_text("id,review\n1,动力很足，油耗有点高\n", encoding="utf-8")
    assert run("tag", str(source), "-o", str(out), "--aspects", "car").returncode == 0
    row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert row["动力"] == "正面" and row["油耗"] == "负面" and row["外观"] == ""


def test_a_set_file_round_trips_through_its_json():
    restaurant = ready_made()["restaurant"]
    assert set_from_json(restaurant.as_json(), builtin=True) == restaurant
