"""Optional: merge concurrent single-text requests of one worker into one model call.

With ``SENTIMENT_COALESCE_MS`` > 0, each ``predict`` waits at most that long for other
requests to arrive, then one batched call answers them all. It is a backend wrapper, so
the service and the API do not change. Whether it pays depends on the engine:
``benchmarks/coalesce.py`` measures it (see README).
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Sequence

from sentiment.models.prediction import Backend, Prediction


@dataclass
class _Pending:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    results: list[Prediction] | None = None
    error: BaseException | None = None


class CoalescerStopped(RuntimeError):
    """The merging thread is gone; the request fails at once instead of waiting for a worker timeout."""


class CoalescingBackend:
    """A backend that merges concurrent ``predict`` calls, at most ``max_batch`` texts per model call.

    One thread takes waiting requests off a queue; a request that would push a batch past
    ``max_batch`` waits for the next batch (a request larger than ``max_batch`` goes alone).
    Requests poll that thread while they wait, so if it ever dies they fail within
    ``poll`` seconds, and the next request starts a fresh one."""

    def __init__(self, inner: Backend, wait_ms: float, max_batch: int, poll: float = 0.5):  # pragma: no mutate: how soon a dead thread is noticed
        self.inner = inner
        self.name, self.labels, self.window = inner.name, inner.labels, inner.window
        self._wait = wait_ms / 1000  # pragma: no mutate: 1000 or 1001 ms a second cannot be told apart
        self._max_batch = max_batch
        self._poll = poll
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._held: _Pending | None = None  # taken off the queue but left for the next batch
        self._start_lock = threading.Lock()
        self._thread = self._start()

    def _start(self) -> threading.Thread:
        thread = threading.Thread(target=self._serve, name="coalescer", daemon=True)
        thread.start()
        return thread

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        with self._start_lock:
            if not self._thread.is_alive():
                self._thread = self._start()
            thread = self._thread
        pending = _Pending(list(texts))
        self._queue.put(pending)
        while not pending.done.wait(self._poll):
            if not thread.is_alive():
                raise CoalescerStopped("the coalescing thread stopped before answering")
        if pending.error is not None:
            raise pending.error
        return pending.results  # type: ignore[return-value]

    def _next(self, timeout: float | None) -> _Pending:
        if self._held is not None:
            item, self._held = self._held, None
            return item
        return self._queue.get(timeout=timeout)

    def _collect(self) -> list[_Pending]:
        batch = [self._next(None)]
        size, deadline = len(batch[0].texts), time.monotonic() + self._wait
        while size < self._max_batch:
            try:
                item = self._next(max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if size + len(item.texts) > self._max_batch:
                self._held = item
                break
            batch.append(item)
            size += len(item.texts)
        return batch

    def _serve(self) -> None:
        while True:
            batch = self._collect()
            try:
                results = self.inner.predict([text for item in batch for text in item.texts])
                if len(results) != sum(len(item.texts) for item in batch):
                    raise RuntimeError(f"{self.inner.name} answered {len(results)} predictions for "
                                       f"{sum(len(item.texts) for item in batch)} texts")
                for item in batch:
                    item.results, results = results[: len(item.texts)], results[len(item.texts):]
            except BaseException as error:  # handed to every waiting request, which raises it
                for item in batch:
                    item.error = error
            finally:
                for item in batch:
                    item.done.set()
