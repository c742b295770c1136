"""Coalescing concurrent requests into one model call (off by default; see benchmarks/coalesce.py)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app import create_app
from sentiment.backends.embedded import EmbeddedBackend
from sentiment.coalescer import CoalescingBackend


class Recording(EmbeddedBackend):
    """The real bundled model, noting each call's size; a text 'BOOM' makes the call fail."""

    def __init__(self):
        super().__init__()
        self.calls: list[int] = []
        self.lock = threading.Lock()

    def predict(self, texts):
        with self.lock:
            self.calls.append(len(texts))
        if "BOOM" in texts:
            raise RuntimeError("model failed")
        return super().predict(texts)


def test_concurrent_requests_share_model_calls_and_get_their_own_answers():
    inner = Recording()
    backend = CoalescingBackend(inner, wait_ms=100, max_batch=16)
    texts = [f"第{i}条：" + ("很好吃" if i % 2 else "太难吃了") for i in range(32)]
    barrier = threading.Barrier(16)

    def ask(text):
        barrier.wait() if texts.index(text) < 16 else None
        return backend.predict([text])[0]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, texts))
    direct = EmbeddedBackend().predict(texts)
    assert answers == direct
    assert sum(inner.calls) == 32 and len(inner.calls) < 32 and max(inner.calls) <= 16


def test_a_failing_call_fails_every_request_in_it():
    backend = CoalescingBackend(Recording(), wait_ms=200, max_batch=16)
    barrier = threading.Barrier(2)

    def ask(text):
        barrier.wait()
        return backend.predict([text])

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(ask, t) for t in ("BOOM", "很好")]
    for future in futures:
        with pytest.raises(RuntimeError, match="model failed"):
            future.result()
    assert backend.predict(["很好"])[0].label == "正面"  # the coalescer keeps serving


def test_the_service_can_run_with_coalescing_switched_on():
    app = create_app({"TESTING": True, "SENTIMENT_BACKEND": "embedded", "SENTIMENT_COALESCE_MS": 5})
    assert isinstance(app.extensions["sentiment_model"].service.backend, CoalescingBackend)
    body = app.test_client().post("/api/sentiment", json={"texts": ["很好", "太差了"]}).get_json()
    assert [r["sentiment"] for r in body["results"]] == ["Positive", "Negative"]


def test_coalescing_is_on_by_default_only_for_pytorch(tiny_structbert):
    modelscope = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope", "SENTIMENT_MODEL": str(tiny_structbert)})
    embedded = create_app({"TESTING": True, "SENTIMENT_BACKEND": "embedded"})
    switched_off = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope",
                               "SENTIMENT_MODEL": str(tiny_structbert), "SENTIMENT_COALESCE_MS": 0})
    assert isinstance(modelscope.extensions["sentiment_model"].service.backend, CoalescingBackend)
    assert not isinstance(embedded.extensions["sentiment_model"].service.backend, CoalescingBackend)
    assert not isinstance(switched_off.extensions["sentiment_model"].service.backend, CoalescingBackend)
