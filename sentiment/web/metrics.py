"""``GET /metrics`` in Prometheus' text format, counted across every Gunicorn worker.

Requests by route, method and status; request latency; texts classified and time in the model, by
model; the model in use. Under Gunicorn each worker writes its counts to files in
``PROMETHEUS_MULTIPROC_DIR`` (``gunicorn.conf.py`` makes a fresh one at start and tells the library
when a worker exits), and whichever worker answers ``/metrics`` adds them all up. Without that
directory (tests, ``flask run``) the process's own counts are served.

``/metrics`` needs no API key, like ``/health``: keep it off the internet at the proxy (the README's
nginx site does).
"""
from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from sentiment.models.model_slot import ModelSlot

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUESTS = Counter("sentiment_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram("sentiment_request_seconds", "Time to answer a request", ["route"], buckets=LATENCY_BUCKETS)
TEXTS = Counter("sentiment_texts_classified", "Texts the sentiment model read", ["model"])
INFERENCE = Histogram("sentiment_inference_seconds", "Time in the sentiment model per pass", ["model"],
                      buckets=LATENCY_BUCKETS)
MODEL = Gauge("sentiment_model_info", "The sentiment model this worker serves (1)", ["model", "backend"],
              multiprocess_mode="max")


def observe_inference(model: str, texts: int, seconds: float) -> None:
    TEXTS.labels(model).inc(texts)
    INFERENCE.labels(model).observe(seconds)


def _registry():
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def install(app: Flask, slot: ModelSlot) -> None:
    marked = []  # whether this worker has said which model it serves (it may load after start)

    @app.after_request
    def count(response: Response) -> Response:
        if not marked and slot.loaded is not None:
            MODEL.labels(slot.loaded.service.backend.name, slot.loaded.choice.kind).set(1)
            marked.append(True)
        route = request.url_rule.rule if request.url_rule else "unmatched"  # never the raw path: unbounded
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        # From request_log's start, the first hook of every request (so 401s and 429s are timed too).
        LATENCY.labels(route).observe(time.perf_counter() - g.get("started", time.perf_counter()))
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)  # it names its charset
