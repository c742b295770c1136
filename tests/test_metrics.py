"""/metrics: Prometheus text that parses, whose counters move with the traffic, summed over Gunicorn's workers."""
from __future__ import annotations

import json
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from conftest import NO_ZERO_SHOT, Gunicorn


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    """The sum over the samples of that name whose labels include these."""
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= set(ls))


def test_metrics_parse_and_move_with_requests():
    client = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite",
                         "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT}).test_client()
    client.get("/health")
    before = samples(client.get("/metrics").data.decode())
    for _ in range(3):
        assert client.post("/api/sentiment", json={"texts": ["好吃", "难吃"]}).status_code == 200
    assert client.post("/api/sentiment", json={"text": ""}).status_code == 400
    response = client.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain")
    after = samples(response.data.decode())
    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)
    assert moved("sentiment_requests_total", route="/api/sentiment", status="200") == 3
    assert moved("sentiment_requests_total", route="/api/sentiment", status="400") == 1
    assert moved("sentiment_request_seconds_count", route="/api/sentiment") == 4
    assert moved("sentiment_texts_classified_total", model="bundled-char-ngram-lr") == 6
    assert moved("sentiment_inference_seconds_count", model="bundled-char-ngram-lr") == 3
    assert value(after, "sentiment_model_info", model="bundled-char-ngram-lr", backend="bundled") == 1


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("metrics")
    server = Gunicorn(folder / "log.txt", SENTIMENT_MODEL="bundled-lite", WEB_CONCURRENCY="2",
                      SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT, SENTIMENT_DATA_DIR=str(folder / "data"),
                      PROMETHEUS_MULTIPROC_DIR=str(folder / "prometheus"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_under_gunicorn_every_workers_counts_are_summed(two_workers):
    def get_metrics() -> dict:
        with urllib.request.urlopen(two_workers.url + "/metrics", timeout=10) as response:
            return samples(response.read().decode())

    for _ in range(40):  # keep-alive off: connections spread over both workers
        request = urllib.request.Request(two_workers.url + "/api/sentiment", data=json.dumps({"text": "好吃"}).encode(),
                                         headers={"Content-Type": "application/json", "Connection": "close"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    readings = [get_metrics() for _ in range(6)]  # whichever worker answers, the same totals
    assert {value(r, "sentiment_requests_total", route="/api/sentiment", status="200") for r in readings} == {40}
    assert {value(r, "sentiment_texts_classified_total") for r in readings} == {40}
    counted_by = list((two_workers.log_path.parent / "prometheus").glob("counter_*.db"))
    assert len(counted_by) == 2, counted_by  # both workers answered some of the requests
    assert value(readings[0], "sentiment_model_info", backend="bundled") == 1
