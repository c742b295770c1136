"""A real Gunicorn, as `make run` starts it, queried over HTTP."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from conftest import Gunicorn


def call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode("utf-8"))


def test_each_worker_loads_one_model_once_and_serves(live_server):
    status, ready = call(live_server.url + "/ready")
    assert status == 200 and ready["backend"] == "embedded" and "auto" in ready["reason"]
    status, body = call(live_server.url + "/api/sentiment", {"text": "这个东西真心很赞"})
    assert status == 200 and body["sentiment"] == "Positive"
    texts = [f"第{i}条：" + ("很好吃" if i % 2 else "太难吃了") for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda t: call(live_server.url + "/api/sentiment", {"text": t}), texts))
    assert [a[1]["text"] for a in answers] == texts
    assert all(status == 200 for status, _ in answers)
    assert live_server.log().count("sentiment model: bundled-char-ngram-lr") == 2  # two workers, one load each


def test_errors_over_http_are_json(live_server):
    assert call(live_server.url + "/api/sentiment", {"text": " "}) [1]["code"] == "empty_text"
    status, body = call(live_server.url + "/api/nothing-here")
    assert status == 404 and body["code"] == "not_found"


def test_structbert_through_forked_gunicorn_workers(tiny_structbert, tmp_path):
    """Torch in workers forked after the master imported nothing heavy: load after fork, answer, no hang."""
    server = Gunicorn(tmp_path / "log.txt", SENTIMENT_BACKEND="modelscope", SENTIMENT_MODEL=str(tiny_structbert),
                      WEB_CONCURRENCY="2", GUNICORN_THREADS="2")
    try:
        server.wait_ready()
        status, body = call(server.url + "/api/sentiment", {"texts": ["好", "差" * 600]})
        assert status == 200
        assert [r["windows"] for r in body["results"]] == [1, 2]
        assert {r["label"] for r in body["results"]} <= {"负面", "正面"}
        assert server.log().count("sentiment model: tiny (modelscope backend") == 2
    finally:
        server.stop()
