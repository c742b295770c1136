"""A real Gunicorn, as `make run` starts it, queried over HTTP."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from conftest import ROOT, Gunicorn, assert_same_answers
from sentiment.models.backends.modelscope_pipeline import ModelScopeBackend
from sentiment.models.backends.transformer import TransformerBackend
from sentiment.models.service import SentimentService

DISHES = ["红烧肉", "麻婆豆腐", "酸菜鱼", "宫保鸡丁", "水煮牛肉"]
VERDICTS = ["很好吃", "太难吃了", "还行吧", "一般般", "好吃到哭", "再也不来了", "量少价贵", "物超所值"]


def call(url: str, body: dict | bytes | None = None) -> tuple[int, dict]:
    data = body if body is None or isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode("utf-8"))


def test_each_worker_loads_one_model_once_and_serves(live_server):
    status, ready = call(live_server.url + "/ready")
    assert status == 200 and ready["backend"] == "bundled" and "auto" in ready["reason"]
    status, body = call(live_server.url + "/api/sentiment", {"text": "这个东西真心很赞"})
    assert status == 200 and body["sentiment"] == "Positive"
    # 40 different reviews from 8 threads at once; each answer must be its own text's answer
    texts = [f"{DISHES[i % 5]}{VERDICTS[i // 5]}" + "！" * (i % 3) for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda t: call(live_server.url + "/api/sentiment", {"text": t}), texts))
    assert all(status == 200 for status, _ in answers)
    service = SentimentService(TransformerBackend(ROOT / "models" / "transformer", "bundled"))  # the default
    for text, (_, answer) in zip(texts, answers):
        assert_same_answers([answer], service.analyse([text]))
    assert len({a[1]["confidence"] for a in answers}) > 30, "the texts must have different answers"
    assert live_server.log().count("sentiment model: bundled: ") == 2  # two workers, one load each


def test_errors_over_http_are_json(live_server):
    assert call(live_server.url + "/api/sentiment", {"text": " "}) == (400, {
        "error": "text 是空的，请输入要分析的内容。", "code": "empty_text"})
    status, body = call(live_server.url + "/api/nothing-here")
    assert status == 404 and body["code"] == "not_found"


def test_text_no_model_can_read_is_refused_over_http(live_server):
    api = live_server.url + "/api/sentiment"
    status, body = call(api, b'{"text": "\\ud800"}')
    assert status == 400 and body["code"] == "invalid_unicode" and body["position"] == 0
    status, body = call(api, '{"text": "\u200b\u200b"}'.encode())
    assert status == 400 and body["code"] == "empty_text"
    assert call(api, '{"text": "好"}'.encode("utf-16")) == (400, {"error": "请求内容必须是 UTF-8 编码的 JSON。",
                                                               "code": "invalid_json"})
    assert call(live_server.url + "/ready")[0] == 200  # and the service is still well


def test_structbert_through_forked_gunicorn_workers(tiny_structbert, tmp_path):
    """Torch in workers forked after the master imported nothing heavy: load after fork, answer, no hang."""
    server = Gunicorn(tmp_path / "log.txt", SENTIMENT_BACKEND="modelscope", SENTIMENT_MODEL=str(tiny_structbert),
                      WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    try:
        server.wait_ready()
        texts = ["好", "差" * 600, "这个东西真心很赞"]
        status, body = call(server.url + "/api/sentiment", {"texts": texts})
        assert status == 200
        assert [r["windows"] for r in body["results"]] == [1, 2, 1]
        service = SentimentService(ModelScopeBackend(tiny_structbert, "tiny"))
        assert_same_answers(body["results"], service.analyse(texts))
        assert server.log().count("sentiment model: tiny (modelscope backend") == 2
    finally:
        server.stop()


def test_a_classifier_taught_through_one_worker_serves_from_every_worker_and_after_a_restart(tmp_path):
    from conftest import NO_ZERO_SHOT
    from test_custom_api import examples

    settings = dict(SENTIMENT_MODEL="bundled-lite", SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT, WEB_CONCURRENCY="2",
                    SENTIMENT_DATA_DIR=str(tmp_path / "data"))
    texts = ["快递慢死了，一个礼拜才送到", "质量太差，穿一次就破了", "客服根本不理人，退货也不给退"]
    server = Gunicorn(tmp_path / "first.txt", **settings)
    try:
        server.wait_ready()
        status, report = call(server.url + "/api/classifiers", {"name": "路由", "examples": examples()})
        assert status == 201, report
        # 16 requests from 8 threads reach both workers; each reads the classifier from the data folder
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: call(server.url + "/api/classify", {"texts": texts, "classifier": "路由"}),
                                    range(16)))
        assert all(status == 200 for status, _ in answers)
        first = answers[0][1]["results"]
        assert [r["label"] for r in first] == ["物流问题", "商品质量", "售后体验"]
        assert all(body["results"] == first for _, body in answers)
    finally:
        server.stop()
    restarted = Gunicorn(tmp_path / "second.txt", **settings)
    try:
        restarted.wait_ready()
        status, body = call(restarted.url + "/api/classify", {"texts": texts, "classifier": "路由"})
        assert status == 200 and body["results"] == first
    finally:
        restarted.stop()
