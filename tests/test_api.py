"""The JSON API through Flask's test client, on the real bundled model."""
from __future__ import annotations

import json

import pytest
from flask import request

from app import create_app
from conftest import assert_same_answers
from sentiment.web.validation import Job, json_body, texts_from

POSITIVE = "这个东西真心很赞"
NEGATIVE = "质量太差了，再也不买了"


def post(client, body=None, **kwargs):
    if body is not None:
        kwargs["json"] = body
    return client.post("/api/sentiment", **kwargs)


def test_single_text_answer_has_every_field(client):
    response = post(client, {"text": POSITIVE})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.get_json()
    assert set(body) == {"text", "sentiment", "label", "confidence", "emoji", "scores", "model", "windows", "sentences",
                         "mixed"}
    assert body["text"] == POSITIVE
    assert body["sentiment"] == "Positive" and body["label"] == "正面"
    assert set(body["scores"]) == {"负面", "正面"}
    assert body["confidence"] == body["scores"]["正面"] == round(body["confidence"], 4)
    assert 0.5 < body["confidence"] <= 1
    assert abs(sum(body["scores"].values()) - 1) < 1e-3
    assert body["model"] == "bundled-char-ngram-lr" and body["windows"] == 1
    assert POSITIVE in response.get_data(as_text=True), "Chinese must be sent as characters, not \\u escapes"


def test_negative_review(client):
    body = post(client, {"text": NEGATIVE}).get_json()
    assert (body["sentiment"], body["label"], body["emoji"]) == ("Negative", "负面", "😞")


def test_batch_keeps_input_order_and_matches_single_answers(client):
    texts = [NEGATIVE, POSITIVE, "送餐很快，味道也不错", "客服态度冷淡，等了一个小时", POSITIVE * 40, "一般般，还行吧"]
    results = post(client, {"texts": texts}).get_json()["results"]
    singles = [post(client, {"text": t}).get_json() for t in texts]
    assert_same_answers(results, singles, tolerance=1e-4)
    assert [r["sentiment"] for r in results[:4]] == ["Negative", "Positive", "Positive", "Negative"]


def test_batch_limit_is_configurable():
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_MAX_TEXTS": 3})
    client = app.test_client()
    assert post(client, {"texts": ["好"] * 3}).status_code == 200
    response = post(client, {"texts": ["好"] * 4})
    assert response.status_code == 400
    assert response.get_json() == {"error": "一次最多 3 条文本，收到 4 条。", "code": "too_many_texts", "max_texts": 3}


def test_default_batch_limit_is_64(client):
    assert len(post(client, {"texts": ["好"] * 64}).get_json()["results"]) == 64
    assert post(client, {"texts": ["好"] * 65}).get_json()["code"] == "too_many_texts"


def test_text_up_to_the_limit_is_read_whole_and_longer_is_refused(client):
    long_review = ("物流很快，包装完好，" * 500)[:5000]
    body = post(client, {"text": long_review}).get_json()
    assert body["windows"] == 1 and body["text"] == long_review  # the bundled model reads any length whole
    response = post(client, {"text": long_review + "好"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "text 太长（5001 字），上限是 5000 字。", "code": "text_too_long",
                                   "max_chars": 5000}
    batch = post(client, {"texts": ["好", long_review + "好"]}).get_json()
    assert batch == {"error": "第 2 条文本太长（5001 字），上限是 5000 字。", "code": "text_too_long", "max_chars": 5000,
                     "index": 1}


@pytest.mark.parametrize("body, job", [
    ({"text": "好"}, Job(["好"], batch=False)),
    ({"texts": ["好"]}, Job(["好"], batch=True)),
    ({"texts": ["好", "差"]}, Job(["好", "差"], batch=True)),
])
def test_a_body_becomes_the_texts_and_whether_to_answer_a_list(app, body, job):
    with app.test_request_context("/api/sentiment", method="POST", json=body):
        assert texts_from(json_body(request), max_chars=10, max_texts=2) == job


EMPTY = "text 是空的，请输入要分析的内容。"
NOT_JSON = "请求内容不是有效的 JSON。"
NOT_UTF8 = "请求内容必须是 UTF-8 编码的 JSON。"
NOT_AN_OBJECT = '请求内容必须是 JSON 对象，例如 {"text": "..."}。'
NOT_JSON_MEDIA = "请以 JSON 格式（Content-Type: application/json）发送。"


# What each bad request gets: status, stable code, and the whole message a person reads.
@pytest.mark.parametrize(
    "kwargs, status, code, message",
    [
        ({"json": {"text": ""}}, 400, "empty_text", EMPTY),
        ({"json": {"text": "  \n\t "}}, 400, "empty_text", EMPTY),
        ({"json": {"text": 123}}, 400, "invalid_type", "text 必须是字符串。"),
        ({"json": {"text": None}}, 400, "invalid_type", "text 必须是字符串。"),
        ({"json": {"texts": "不是数组"}}, 400, "invalid_type", "texts 必须是字符串数组。"),
        ({"json": {"texts": ["好", 5]}}, 400, "invalid_type", "第 2 条文本必须是字符串。"),
        ({"json": {"texts": ["好", " "]}}, 400, "empty_text", "第 2 条文本是空的，请输入要分析的内容。"),
        ({"json": {"texts": []}}, 400, "empty_batch", "texts 是空数组，请至少提供一条文本。"),
        ({"json": ["好"]}, 400, "invalid_type", NOT_AN_OBJECT),
        ({"json": "好"}, 400, "invalid_type", NOT_AN_OBJECT),
        ({"json": {}}, 400, "missing_field", '缺少 text 字段，例如 {"text": "这家店很好"}。'),
        ({"json": {"txt": "好"}}, 400, "missing_field", '缺少 text 字段，例如 {"text": "这家店很好"}。'),
        ({"json": {"text": "好", "texts": ["好"]}}, 400, "ambiguous_input", "请只提供 text（单条）或 texts（多条）中的一个。"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json", NOT_JSON),
        ({"data": b"\xff\xfe\x00", "content_type": "application/json"}, 400, "invalid_json", NOT_UTF8),
        ({"data": "", "content_type": "application/json"}, 400, "invalid_json", NOT_JSON),
        # valid JSON whose string holds a lone surrogate: not a character, no tokenizer can encode it
        ({"data": '{"text": "\\ud800"}', "content_type": "application/json"}, 400, "invalid_unicode",
         "text 第 1 个字符不是有效的 Unicode 字符（单独的代理项 U+D800），请检查文本的编码。"),
        ({"data": '{"text": "好\\udfff评"}', "content_type": "application/json"}, 400, "invalid_unicode",
         "text 第 2 个字符不是有效的 Unicode 字符（单独的代理项 U+DFFF），请检查文本的编码。"),
        # nothing to read: zero-width spaces, word joiner, BOM, control characters
        ({"data": '{"text": "\\u200b\\u200b"}', "content_type": "application/json"}, 400, "empty_text", EMPTY),
        ({"data": '{"text": "\\ufeff \\u2060\\u200d"}', "content_type": "application/json"}, 400, "empty_text", EMPTY),
        ({"data": '{"text": "\\u0000\\u0007\\u3000"}', "content_type": "application/json"}, 400, "empty_text", EMPTY),
        # only UTF-8 is read, whatever json.loads could guess
        ({"data": '{"text": "好"}'.encode("utf-16"), "content_type": "application/json"}, 400, "invalid_json", NOT_UTF8),
        ({"data": '{"text": "好"}'.encode("utf-16-le"), "content_type": "application/json"}, 400, "invalid_json", NOT_JSON),  # NULs are UTF-8
        ({"data": '{"text": "好"}'.encode("utf-32"), "content_type": "application/json"}, 400, "invalid_json", NOT_UTF8),
        ({"data": '{"text": "好"}'.encode("gbk"), "content_type": "application/json"}, 400, "invalid_json", NOT_UTF8),
        ({"data": "[" * 100_000, "content_type": "application/json"}, 400, "invalid_json", NOT_JSON),
        ({"data": "text=好", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type",
         NOT_JSON_MEDIA),
        ({"data": '{"text": "好"}', "content_type": "text/plain"}, 415, "unsupported_media_type", NOT_JSON_MEDIA),
        ({"data": '{"text": "好"}'}, 415, "unsupported_media_type", NOT_JSON_MEDIA),
    ],
)
def test_bad_input_gets_json_error_with_stable_code(client, kwargs, status, code, message):
    response = client.post("/api/sentiment", **kwargs)
    assert response.status_code == status
    body = response.get_json()
    assert body["code"] == code and body["error"] == message
    assert "Traceback" not in response.get_data(as_text=True)


def test_bad_text_in_batch_names_its_position(client):
    body = post(client, {"texts": ["好", "很好", ""]}).get_json()
    assert body["code"] == "empty_text" and body["index"] == 2 and "第 3 条" in body["error"]
    body = post(client, {"texts": ["好", "\u200b"]}).get_json()
    assert body["code"] == "empty_text" and body["index"] == 1


def test_lone_surrogate_is_named_by_text_and_character(client):
    response = client.post("/api/sentiment", data='{"texts": ["好", "很好\\ud83d"]}', content_type="application/json")
    body = response.get_json()
    assert response.status_code == 400
    assert body["code"] == "invalid_unicode" and body["index"] == 1 and body["position"] == 2
    assert "第 2 条" in body["error"] and "第 3 个字符" in body["error"] and "U+D83D" in body["error"]


def test_text_with_invisible_characters_around_words_is_read(client):
    """Zero-width characters only make a text empty when nothing else is there."""
    body = post(client, {"text": "\u200b" + POSITIVE + "\ufeff"}).get_json()
    assert body["label"] == "正面" and body["text"] == "\u200b" + POSITIVE + "\ufeff"


def test_utf8_body_with_a_byte_order_mark_is_read(client):
    response = client.post("/api/sentiment", data=b"\xef\xbb\xbf" + '{"text": "好评"}'.encode(),
                           content_type="application/json")
    assert response.status_code == 200 and response.get_json()["text"] == "好评"


def test_utf16_body_is_told_to_send_utf8(client):
    response = client.post("/api/sentiment", data='{"text": "好"}'.encode("utf-16"), content_type="application/json")
    assert response.get_json() == {"error": "请求内容必须是 UTF-8 编码的 JSON。", "code": "invalid_json"}


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_wrong_method_is_405_json(client, method):
    response = getattr(client, method)("/api/sentiment")
    assert response.status_code == 405
    assert response.get_json()["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_unknown_api_path_is_404_json(client):
    response = client.get("/api/sentimental")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_body_too_large_is_413_json():
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "MAX_CONTENT_LENGTH": 1024})
    response = app.test_client().post("/api/sentiment", json={"text": "好" * 2000})
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload_too_large"


def test_unexpected_failure_is_500_json_without_trace():
    app = create_app({"TESTING": False, "SENTIMENT_MODEL": "bundled-lite"})
    service = app.extensions["sentiment_model"].get()
    service.batch_size = 0  # an impossible setting makes the real service fail inside the request
    response = app.test_client().post("/api/sentiment", json={"text": "好"})
    assert response.status_code == 500
    assert response.get_json() == {"error": "服务器内部错误，请稍后再试。", "code": "internal_error"}


def test_model_not_ready_is_503(tmp_path):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite",
                      "SENTIMENT_LITE_MODEL": str(tmp_path / "missing.npz"),
                      "SENTIMENT_LOAD_IN_BACKGROUND": True})
    assert app.extensions["sentiment_model"].wait(30)
    client = app.test_client()
    response = post(client, {"text": "好"})
    assert response.status_code == 503 and response.get_json()["code"] == "model_not_ready"
    assert "missing.npz" in response.get_json()["error"]
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.get_json()["ready"] is False
    assert client.get("/health").get_json() == {"status": "ok"}


def test_health_and_ready(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/ready").get_json()
    assert ready["ready"] is True and ready["backend"] == "bundled" and ready["labels"] == ["负面", "正面"]


def test_no_other_origin_is_allowed_by_default(client):
    response = post(client, {"text": "好"}, headers={"Origin": "https://shop.example"})
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers


def test_any_origin_when_asked_on_the_api_only_and_never_with_cookies():
    client = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_CORS_ORIGINS": "*"}).test_client()
    response = post(client, {"text": "好"}, headers={"Origin": "https://shop.example"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://shop.example")
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": "https://shop.example"}).headers


def test_cors_origins_are_configurable():
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite",
                      "SENTIMENT_CORS_ORIGINS": ["https://shop.example"]})
    client = app.test_client()
    allowed = post(client, {"text": "好"}, headers={"Origin": "https://shop.example"})
    other = post(client, {"text": "好"}, headers={"Origin": "https://evil.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Access-Control-Allow-Origin" not in other.headers


def test_page_is_served_with_local_assets_only(client):
    html = client.get("/").get_data(as_text=True)
    assert "中文情感分析" in html and "/static/chat.js" in html
    assert "http://" not in html and "https://" not in html
    for asset in ("chat.js", "chat.css", "favicon.svg"):
        assert client.get(f"/static/{asset}").status_code == 200


def test_answers_are_utf8_json_text():
    raw = json.dumps({"text": "好评"}, ensure_ascii=True)
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite"})
    response = app.test_client().post("/api/sentiment", data=raw, content_type="application/json; charset=utf-8")
    assert response.status_code == 200
    body = response.get_data().decode("utf-8")
    assert body.count("好评") == 2 and "\\u" not in body  # the text and its one sentence, as UTF-8, not escapes
