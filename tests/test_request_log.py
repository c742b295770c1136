"""The operator's view: one JSON log line per request, request ids, and 429 past the bound of waiting requests."""
from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.error
import urllib.request

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT, Gunicorn
from sentiment.web.back_pressure import Gate


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture()
def lines():
    handler = Lines()
    logger = logging.getLogger("sentiment.requests")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def make_client(**config):
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       **config}).test_client()


def test_one_json_line_per_request_with_its_id_and_no_text(lines):
    client = make_client()
    response = client.post("/api/sentiment", json={"texts": ["这家店的秘密配方很好吃", "太差"]},
                           headers={"X-Request-ID": "shop-42.a:b"})
    assert response.headers["X-Request-ID"] == "shop-42.a:b"
    bad = client.post("/api/sentiment", json={"text": ""}, headers={"X-Request-ID": "no spaces allowed\u200b"})
    generated = bad.headers["X-Request-ID"]
    assert len(generated) == 32 and generated != "no spaces allowed"
    client.get("/nope")
    assert [(l["request_id"], l["route"], l["status"], l["texts"]) for l in lines] == [
        ("shop-42.a:b", "/api/sentiment", 200, 2), (generated, "/api/sentiment", 400, 0), (lines[2]["request_id"], None, 404, 0)]
    assert all(l["method"] in ("GET", "POST") and l["latency_ms"] >= 0 for l in lines)
    assert "秘密配方" not in json.dumps(lines, ensure_ascii=False)


def test_texts_are_logged_only_when_the_operator_says_so(lines):
    make_client(SENTIMENT_LOG_TEXTS=True).post("/api/sentiment", json={"text": "秘密配方"})
    assert lines[-1]["text"] == ["秘密配方"]


def test_the_gate_lets_in_up_to_its_bound():
    gate = Gate(2)
    assert [gate.enter() for _ in range(3)] == [True, True, False]
    gate.leave()
    assert gate.enter() and not gate.enter()


@pytest.fixture(scope="module")
def narrow_server(tmp_path_factory):
    """One worker that lets 2 API requests wait, with 8 threads to take more."""
    folder = tmp_path_factory.mktemp("narrow")
    server = Gunicorn(folder / "log.txt", SENTIMENT_MODEL="bundled", WEB_CONCURRENCY="1", GUNICORN_THREADS="8",
                      SENTIMENT_MAX_PENDING="2", SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT,
                      SENTIMENT_DATA_DIR=str(folder / "data"))
    try:
        server.wait_ready(workers=1)
        yield server
    finally:
        server.stop()


def test_past_the_bound_requests_get_429_at_once_and_health_still_answers(narrow_server):
    body = json.dumps({"texts": ["这家店的菜很好吃，服务也周到。" * 300] * 32}).encode()  # about a second of model time
    answers: list[tuple[int, float, str | None]] = []

    def call():
        started = time.perf_counter()
        request = urllib.request.Request(narrow_server.url + "/api/sentiment", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answers.append((response.status, time.perf_counter() - started, None))
        except urllib.error.HTTPError as error:
            answers.append((error.code, time.perf_counter() - started, error.headers.get("Retry-After")))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    with urllib.request.urlopen(narrow_server.url + "/health", timeout=5) as health:
        assert health.status == 200
    for thread in threads:
        thread.join()
    refused = [a for a in answers if a[0] == 429]
    assert sorted(a[0] for a in answers).count(200) >= 2 and refused, answers
    assert all(retry == "1" and seconds < 1.0 for _, seconds, retry in refused), refused


def test_forwarded_headers_count_only_from_a_trusted_proxy(lines):
    client = make_client(SENTIMENT_TRUSTED_PROXIES=["10.0.0.1"])
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    client.get("/health", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    client.get("/health", headers=forwarded, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert [line["client"] for line in lines] == ["203.0.113.9", "198.51.100.7"]


def test_debug_mode_is_never_on_under_gunicorn(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert make_client().application.debug is True  # flask run, on a developer's machine
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    assert make_client().application.debug is False


def test_a_request_past_its_time_budget_stops_with_its_own_error(tiny_zero_shot):
    client = make_client(SENTIMENT_REQUEST_SECONDS=1e-6, SENTIMENT_ZERO_SHOT_MODEL=str(tiny_zero_shot))
    answers = [client.post("/api/sentiment", json={"texts": ["好吃"] * 40}),
               client.post("/api/sentiment/file", data={"file": (io.BytesIO("review\n好吃\n".encode()), "r.csv")},
                           content_type="multipart/form-data"),
               client.post("/api/classify", json={"text": "快递慢", "labels": ["物流", "质量"]})]
    for response in answers:
        body = response.get_json()
        assert response.status_code == 503 and body["code"] == "request_timeout" and "/api/jobs" in body["error"], body
    roomy = make_client(SENTIMENT_ZERO_SHOT_MODEL=str(tiny_zero_shot))  # the default budget: two minutes
    assert roomy.post("/api/sentiment", json={"texts": ["好吃"] * 40}).status_code == 200
    assert roomy.post("/api/classify", json={"text": "快递慢", "labels": ["物流", "质量"]}).status_code == 200
