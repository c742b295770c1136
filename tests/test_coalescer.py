"""Coalescing concurrent requests into one model call (off by default; see benchmarks/coalesce.py)."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app import create_app
from sentiment.models.backends.lite import LiteBackend
from sentiment.models.coalescer import CoalescerStopped, CoalescingBackend


class Recording(LiteBackend):
    """The real bundled model, noting each call's size; a text 'BOOM' makes the call fail,
    and 'LOSE' makes it answer one text too few, as a broken backend might."""

    def __init__(self):
        super().__init__()
        self.calls: list[int] = []
        self.lock = threading.Lock()

    def predict(self, texts):
        with self.lock:
            self.calls.append(len(texts))
        if "BOOM" in texts:
            raise RuntimeError("model failed")
        return super().predict(texts)[: -1 if "LOSE" in texts else None]


def ask_together(backend, requests: list[list[str]]) -> list:
    """Send every request from its own thread at the same moment; each result or exception."""
    barrier = threading.Barrier(len(requests))

    def ask(texts):
        barrier.wait()
        try:
            return backend.predict(texts)
        except Exception as error:
            return error

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(ask, requests))


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
    direct = LiteBackend().predict(texts)
    assert answers == direct
    assert sum(inner.calls) == 32 and len(inner.calls) < 32 and max(inner.calls) <= 16


def test_a_failing_call_fails_every_request_in_it():
    inner = Recording()
    backend = CoalescingBackend(inner, wait_ms=200, max_batch=16)
    answers = ask_together(backend, [["BOOM"], ["很好"]])
    assert inner.calls == [2]
    assert all(isinstance(a, RuntimeError) and str(a) == "model failed" for a in answers)
    assert backend.predict(["很好"]) == LiteBackend().predict(["很好"])  # the coalescer keeps serving


def test_a_batch_never_grows_past_its_limit():
    inner = Recording()
    backend = CoalescingBackend(inner, wait_ms=100, max_batch=4)
    requests = [[f"第{i}批第{j}条：" + ("很好吃" if (i + j) % 2 else "太难吃了") for j in range(1 + i % 3)] for i in range(12)]
    answers = ask_together(backend, requests)
    assert answers == [LiteBackend().predict(texts) for texts in requests]
    assert sum(inner.calls) == sum(map(len, requests)) and max(inner.calls) <= 4 and len(inner.calls) < 12


def test_requests_fill_a_batch_up_to_the_limit_exactly():
    inner = Recording()
    ask_together(CoalescingBackend(inner, wait_ms=300, max_batch=4), [["很好"], ["差"], ["还行"], ["一般"]])
    assert inner.calls == [4]


def test_a_full_batch_goes_at_once_and_a_lone_request_waits_only_its_wait():
    """Timings with wide margins: a 2 s wait must not be spent when the batch is already full."""
    started = time.monotonic()
    CoalescingBackend(Recording(), wait_ms=2000, max_batch=2).predict(["很好", "差"])
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    CoalescingBackend(Recording(), wait_ms=5, max_batch=16).predict(["很好"])
    assert time.monotonic() - started < 0.5


def test_the_merging_thread_is_named_and_does_not_keep_a_process_alive():
    thread = CoalescingBackend(Recording(), wait_ms=5, max_batch=4)._thread
    assert thread.name == "coalescer" and thread.daemon and thread.is_alive()


def test_a_request_larger_than_the_limit_is_answered_alone():
    inner = Recording()
    texts = [f"第{i}条：很好" for i in range(6)]
    assert CoalescingBackend(inner, wait_ms=5, max_batch=4).predict(texts) == LiteBackend().predict(texts)
    assert inner.calls == [6]


def test_a_backend_answering_too_few_fails_every_request_in_the_call():
    answers = ask_together(CoalescingBackend(Recording(), wait_ms=200, max_batch=16), [["LOSE"], ["很好"]])
    for answer in answers:
        assert isinstance(answer, RuntimeError) and "answered 1 predictions for 2 texts" in str(answer)


def test_a_dead_coalescing_thread_fails_its_waiters_fast_and_is_replaced():
    backend = CoalescingBackend(Recording(), wait_ms=1000, max_batch=16, poll=0.05)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(backend.predict, ["很好"])  # the thread now waits up to 1 s for company
        time.sleep(0.2)
        backend._queue.put(None)  # a corrupt entry: the thread dies on it
        with pytest.raises(CoalescerStopped, match="^the coalescing thread stopped before answering$"):
            waiting.result(timeout=5)
    assert backend.predict(["很好"]) == LiteBackend().predict(["很好"])  # a fresh thread serves


def test_the_service_can_run_with_coalescing_switched_on():
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_COALESCE_MS": 5})
    assert isinstance(app.extensions["sentiment_model"].get().backend, CoalescingBackend)
    body = app.test_client().post("/api/sentiment", json={"texts": ["很好", "太差了"]}).get_json()
    assert [r["sentiment"] for r in body["results"]] == ["Positive", "Negative"]


def test_coalescing_is_on_by_default_only_for_pytorch(tiny_structbert):
    modelscope = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope", "SENTIMENT_MODEL": str(tiny_structbert)})
    lite = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite"})
    switched_off = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope",
                               "SENTIMENT_MODEL": str(tiny_structbert), "SENTIMENT_COALESCE_MS": 0})
    assert isinstance(modelscope.extensions["sentiment_model"].get().backend, CoalescingBackend)
    assert not isinstance(lite.extensions["sentiment_model"].get().backend, CoalescingBackend)
    assert not isinstance(switched_off.extensions["sentiment_model"].get().backend, CoalescingBackend)
