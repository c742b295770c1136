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

from sentiment.prediction import Backend, Prediction


@dataclass
class _Pending:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    results: list[Prediction] | None = None
    error: BaseException | None = None


class CoalescingBackend:
    def __init__(self, inner: Backend, wait_ms: float, max_batch: int):
        self.inner = inner
        self.name, self.labels, self.window = inner.name, inner.labels, inner.window
        self._wait = wait_ms / 1000
        self._max_batch = max_batch
        self._queue: queue.Queue[_Pending] = queue.Queue()
        threading.Thread(target=self._serve, name="coalescer", daemon=True).start()

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        pending = _Pending(list(texts))
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.results  # type: ignore[return-value]

    def _collect(self) -> list[_Pending]:
        batch = [self._queue.get()]
        size, deadline = len(batch[0].texts), time.monotonic() + self._wait
        while size < self._max_batch:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            batch.append(item)
            size += len(item.texts)
        return batch

    def _serve(self) -> None:
        while True:
            batch = self._collect()
            try:
                results = self.inner.predict([text for item in batch for text in item.texts])
                for item in batch:
                    item.results, results = results[: len(item.texts)], results[len(item.texts):]
            except BaseException as error:  # handed to every waiting request, which raises it
                for item in batch:
                    item.error = error
            finally:
                for item in batch:
                    item.done.set()
