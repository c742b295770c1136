"""Your own labels through the API: taught classifiers (teach, list, classify, delete, survive a restart),
zero-shot through a tiny StructBERT NLI directory, and every error with its status and code."""
from __future__ import annotations

import io

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT

ROUTING = {
    "物流问题": ["快递太慢了，等了一个星期才到", "物流信息三天没更新", "发货太慢，催了好几次", "快递员把包裹扔在门口",
             "配送时间太长了", "物流速度慢得离谱"],
    "商品质量": ["衣服洗了一次就掉色", "做工粗糙，线头很多", "用了两天就坏了", "材质很差，一股怪味",
             "质量不错，做工精细", "屏幕有坏点，质量堪忧"],
    "售后体验": ["客服一直不回复", "申请退货被拒绝了", "售后态度很差，推来推去", "换货流程太麻烦",
             "客服很耐心地帮我解决了问题", "退款拖了半个月"],
}


def examples() -> list[dict]:
    return [{"text": text, "label": label} for label, texts in ROUTING.items() for text in texts]


def teach(client, name: str = "routing", **extra):
    return client.post("/api/classifiers", json={"name": name, "examples": examples(), **extra})


def assert_error(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == code and body["error"], body
    return body


@pytest.fixture()
def fresh(tmp_path):
    """An app with its own empty data folder, no zero-shot model."""
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       "SENTIMENT_DATA_DIR": str(tmp_path)})


def test_teach_reports_cross_validated_accuracy_per_label_and_lists_it(fresh):
    client = fresh.test_client()
    response = teach(client)
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["name"] == "routing" and report["labels"] == sorted(ROUTING)
    assert report["counts"] == {label: 6 for label in ROUTING}
    cv = report["cross_validation"]
    assert set(cv["per_label"]) == set(ROUTING) and cv["folds"] == 5
    assert 0.0 <= cv["accuracy"] <= 1.0
    listed = client.get("/api/classifiers").get_json()
    assert [c["name"] for c in listed["classifiers"]] == ["routing"]
    assert listed["zero_shot"]["available"] is False and "download" in listed["zero_shot"]["how"]


def test_a_taught_classifier_routes_texts_and_survives_a_restart(fresh, tmp_path):
    client = fresh.test_client()
    teach(client)
    texts = ["快递慢死了，一个礼拜才送到", "质量太差，穿一次就破了", "客服根本不理人，退货也不给退"]
    answer = client.post("/api/classify", json={"texts": texts, "classifier": "routing"}).get_json()["results"]
    assert [a["label"] for a in answer] == ["物流问题", "商品质量", "售后体验"]
    for result, text in zip(answer, texts):
        assert result["text"] == text and result["model"] == "taught:routing"
        assert result["labels"][0] == result["label"] and set(result["labels"]) == set(ROUTING)
        assert list(result["scores"]) == result["labels"]  # scores in the same best-first order
        assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-6)
    restarted = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite",
                            "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT, "SENTIMENT_DATA_DIR": str(tmp_path)})
    again = restarted.test_client().post("/api/classify", json={"text": texts[0], "classifier": "routing"})
    assert again.status_code == 200 and again.get_json()["label"] == "物流问题"
    assert again.get_json()["scores"] == pytest.approx(answer[0]["scores"], abs=1e-6)


def test_teach_from_csv_and_xlsx_uploads(fresh):
    from openpyxl import Workbook

    client = fresh.test_client()
    rows = examples()
    csv_text = "评论,类别\n" + "".join(f"\"{r['text']}\",{r['label']}\n" for r in rows)
    response = client.post("/api/classifiers", data={"name": "从表格", "file": (io.BytesIO(csv_text.encode("gb18030")), "教学.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["counts"] == {label: 6 for label in ROUTING}
    book = Workbook()
    sheet = book.active
    sheet.append(["text", "label"])
    for r in rows:
        sheet.append([r["text"], r["label"]])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    response = client.post("/api/classifiers", data={"name": "excel", "file": (data, "examples.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["examples"] == len(rows)


def test_replace_and_delete(fresh):
    client = fresh.test_client()
    assert teach(client).status_code == 201
    assert_error(teach(client), 409, "classifier_exists")
    assert teach(client, replace=True).status_code == 201
    assert client.delete("/api/classifiers/routing").get_json() == {"deleted": "routing"}
    assert_error(client.delete("/api/classifiers/routing"), 404, "unknown_classifier")
    assert_error(client.post("/api/classify", json={"text": "快递慢", "classifier": "routing"}), 404, "unknown_classifier")
    assert client.get("/api/classifiers").get_json()["classifiers"] == []


@pytest.mark.parametrize("body, code", [
    ({"name": "x", "examples": [{"text": "快递慢", "label": "物流"}] * 5}, "too_few_labels"),
    ({"name": "x", "examples": [{"text": "快递慢", "label": "物流"}] * 5 + [{"text": "质量差", "label": "质量"}]},
     "too_few_examples"),
    ({"name": "x", "examples": [{"text": "", "label": "物流"}]}, "invalid_example"),
    ({"name": "x", "examples": [{"text": "快递慢", "label": 3}]}, "invalid_example"),
    ({"name": "x", "examples": ["快递慢"]}, "invalid_example"),
    ({"name": "x"}, "missing_field"),
    ({"examples": []}, "missing_field"),
    ({"name": "../etc", "examples": []}, "invalid_name"),
    ({"name": "a" * 41, "examples": []}, "invalid_name"),
    ({"name": "x", "examples": [], "replace": "maybe"}, "invalid_type"),
])
def test_bad_teaching_sets_are_refused(fresh, body, code):
    assert_error(fresh.test_client().post("/api/classifiers", json=body), 400, code)


@pytest.mark.parametrize("file, code", [
    (None, "missing_file"),
    ((io.BytesIO(b"text,label\n"), "examples.txt"), "unsupported_file"),
    ((io.BytesIO(b"not a workbook"), "examples.xlsx"), "invalid_file"),
    ((io.BytesIO("内容\n快递慢\n".encode()), "examples.csv"), "invalid_file"),  # no label column
])
def test_bad_uploads_are_refused(fresh, file, code):
    data = {"name": "upload"} if file is None else {"name": "upload", "file": file}
    response = fresh.test_client().post("/api/classifiers", data=data, content_type="multipart/form-data")
    assert_error(response, 400, code)


@pytest.mark.parametrize("body, code", [
    ({"text": "快递慢", "labels": ["物流问题"]}, "too_few_labels"),
    ({"text": "快递慢", "labels": [f"标签{i}" for i in range(21)]}, "too_many_labels"),
    ({"text": "快递慢", "labels": ["物流", "物流 "]}, "duplicate_label"),
    ({"text": "快递慢", "labels": ["物流", " "]}, "empty_label"),
    ({"text": "快递慢", "labels": ["物流", "长" * 51]}, "label_too_long"),
    ({"text": "快递慢", "labels": "物流,质量"}, "invalid_labels"),
    ({"text": "快递慢", "labels": ["物流", "质量"], "hypothesis_template": "这条评论说的是"}, "invalid_template"),
    ({"text": "快递慢", "labels": ["物流", "质量"], "hypothesis_template": "{}和{}"}, "invalid_template"),
    ({"text": "快递慢", "labels": ["物流", "质量"], "multi_label": "yes"}, "invalid_type"),
    ({"text": "快递慢", "labels": ["物流", "质量"], "classifier": "routing"}, "ambiguous_model"),
    ({"text": "快递慢", "classifier": "routing", "multi_label": True}, "ambiguous_model"),
    ({"text": "快递慢"}, "missing_labels"),
    ({"labels": ["物流", "质量"]}, "missing_field"),
    ({"text": "", "labels": ["物流", "质量"]}, "empty_text"),
    ({"text": "快递慢", "classifier": "../x"}, "invalid_name"),
])
def test_bad_classify_requests_are_refused(client, body, code):
    assert_error(client.post("/api/classify", json=body), 400, code)


def test_zero_shot_without_a_model_says_how_to_get_one(client):
    body = assert_error(client.post("/api/classify", json={"text": "快递慢", "labels": ["物流", "质量"]}),
                        409, "zero_shot_unavailable")
    assert "python -m sentiment download" in body["how"] and "教" in body["error"]


def test_one_multi_label_label_is_allowed(client):
    """Multi-label scores each label alone, so one label is a fair question (no model: 409, not 400)."""
    response = client.post("/api/classify", json={"text": "快递慢", "labels": ["物流"], "multi_label": True})
    assert_error(response, 409, "zero_shot_unavailable")


def test_zero_shot_through_a_tiny_model_answers_in_the_pipelines_order(tiny_zero_shot, tmp_path):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite",
                      "SENTIMENT_ZERO_SHOT_MODEL": str(tiny_zero_shot), "SENTIMENT_DATA_DIR": str(tmp_path)})
    client = app.test_client()
    assert client.get("/api/classifiers").get_json()["zero_shot"] == {"available": True, "model": "tiny"}
    pipeline = app.extensions["zero_shot"].get().pipeline
    labels = ["物流问题", "商品质量", "售后体验", "价格争议"]
    texts = ["快递太慢了", "衣服质量不错但是有点贵，客服态度也好", "退货流程很麻烦"]
    results = client.post("/api/classify", json={"texts": texts, "labels": labels}).get_json()["results"]
    for text, result in zip(texts, results):
        expected = pipeline(text, candidate_labels=labels, hypothesis_template="这条评论说的是{}。")
        assert result["model"] == "tiny" and result["label"] == expected["labels"][0]
        assert result["labels"] == expected["labels"]
        assert [result["scores"][label] for label in result["labels"]] == pytest.approx(expected["scores"], abs=1e-5)
        assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-5)
    multi = client.post("/api/classify", json={"text": texts[1], "labels": labels, "multi_label": True,
                                                "hypothesis_template": "这是关于{}的评论"}).get_json()
    expected = pipeline(texts[1], candidate_labels=labels, hypothesis_template="这是关于{}的评论", multi_label=True)
    assert multi["labels"] == expected["labels"] and multi["multi_label"] is True
    assert [multi["scores"][label] for label in multi["labels"]] == pytest.approx(expected["scores"], abs=1e-5)
