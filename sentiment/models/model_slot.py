"""The one loaded model of a process, and its state while loading.

Gunicorn imports the app in each worker after the fork, so each worker fills its own
slot once, before serving (or, with SENTIMENT_LOAD_IN_BACKGROUND, while answering
503 ``model_not_ready``).

The slot knows nothing of HTTP: while no model serves, ``get`` raises ``ModelNotReady``,
which the web layer answers as 503. ``get(name)`` also hands out the other bundled models by
name, so a file or a job can ask for the fast model while the page answers with the accurate
one: a family's file (transformer, BiGRU, n-gram) is loaded once, on the first request that
names it, and its heads share that one session; a load that failed is remembered, not retried. ``wait`` returns only once the outcome is stored, so a
caller that saw True finds a service, or the reason there is none.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sentiment.models.backends import BUNDLED_MODELS, BackendUnavailable, Choice, load_backend
from sentiment.models.coalescer import CoalescingBackend
from sentiment.models.service import SentimentService

log = logging.getLogger("sentiment")
WARM_UP_TEXT = "这家店的服务很好"
# Coalescing wait by backend when SENTIMENT_COALESCE_MS is unset (benchmarks/results/coalesce.md).
DEFAULT_COALESCE_MS = {"modelscope": 5.0}


class ModelNotReady(RuntimeError):
    """No model serves yet (still loading) or at all (failed); the message says which, in Chinese."""


class UnknownModel(ValueError):
    """A request named a model that is not one of the bundled models (``BUNDLED_MODELS``)."""


@dataclass(frozen=True)
class Loaded:
    """What a successful load stored, in one assignment: the service, why this model, how long it took."""

    service: SentimentService
    choice: Choice
    seconds: float


class ModelSlot:
    def __init__(self, observe: Callable[[str, int, float], None] | None = None) -> None:
        self.observe = observe  # handed to the service (see SentimentService.observe)
        self.loaded: Loaded | None = None
        self.error: str | None = None
        self._done = threading.Event()
        self._config: Mapping[str, Any] = {}
        self._families: dict[str, Any] = {}  # a loaded backend per family of BUNDLED_MODELS
        self._others: dict[str, SentimentService] = {}
        self._failed: dict[str, str] = {}
        self._others_lock = threading.Lock()

    def load(self, config: Mapping[str, Any]) -> None:
        """Load, warm with one inference, and log one line saying which model serves and why."""
        started = time.perf_counter()
        self._config = config
        try:
            backend, choice = load_backend(config)
            if choice.kind == "bundled":
                self._families[BUNDLED_MODELS[choice.bundled][0]] = backend
            wait_ms = config["SENTIMENT_COALESCE_MS"]
            if wait_ms is None:
                wait_ms = DEFAULT_COALESCE_MS.get(choice.kind, 0.0)
            if wait_ms > 0:
                backend = CoalescingBackend(backend, wait_ms, config["SENTIMENT_BATCH_SIZE"])
            service = SentimentService.from_config(backend, config)
            service.analyse([WARM_UP_TEXT])
            service.observe = self.observe  # after the warm-up, which is no one's request
        except Exception as error:  # a failed warm-up means the model cannot serve either
            self.error = str(error)
            self._done.set()  # only now: wait() promises a stored outcome
            log.error("no model serves: %s", error)
            raise BackendUnavailable(self.error) from error
        self.loaded = Loaded(service, choice, time.perf_counter() - started)
        self._done.set()
        log.info(
            "sentiment model: %s (%s backend, labels %s), loaded in %.1fs, because %s",
            backend.name, choice.kind, "/".join(backend.labels), self.loaded.seconds, choice.reason,
        )

    def load_in_background(self, config: Mapping[str, Any]) -> threading.Thread:
        def run() -> None:
            try:
                self.load(config)
            except BackendUnavailable:
                pass  # recorded in self.error and reported by /ready and the API

        thread = threading.Thread(target=run, name="model-loader", daemon=True)
        thread.start()
        return thread

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def not_ready(self) -> ModelNotReady:
        """Why no model serves: still loading, or failed with the reason."""
        return ModelNotReady("模型还在加载，请稍后再试。" if self.error is None else f"模型不可用：{self.error}")

    def get(self, model: str | None = None) -> SentimentService:
        """The served model's service; with ``model``, that bundled model's (``UnknownModel`` for any other
        name, ``ModelNotReady`` with the reason when it cannot load). The served model is never loaded twice."""
        if self.loaded is None:
            raise self.not_ready()
        choice = self.loaded.choice
        if model is None or (choice.kind == "bundled" and model == choice.bundled):
            return self.loaded.service
        if not isinstance(model, str) or model not in BUNDLED_MODELS:
            raise UnknownModel(str(model))
        service = self._others.get(model)
        if service is None:
            with self._others_lock:  # one load per family, however many requests ask at once
                service = self._others.get(model) or self._load_other(model)
        return service

    def _load_other(self, model: str) -> SentimentService:
        if model in self._failed:
            raise ModelNotReady(self._failed[model])
        family, head = BUNDLED_MODELS[model]
        try:
            if family in self._families:
                backend = self._families[family].with_head(model, head)
            else:
                backend, _ = load_backend({**self._config, "SENTIMENT_BACKEND": "bundled", "SENTIMENT_MODEL": model})
                self._families[family] = backend
            service = SentimentService.from_config(backend, self._config)
            service.analyse([WARM_UP_TEXT])
        except Exception as error:  # as in load: a model that cannot warm up cannot serve
            self._failed[model] = f"模型 {model} 不可用：{error}"
            log.error("model %s requested but cannot load: %s", model, error)
            raise ModelNotReady(self._failed[model]) from error
        service.observe = self.observe
        self._others[model] = service
        log.info("sentiment model %s loaded on request: %s", model, backend.name)
        return service

    def status(self) -> dict:
        if self.loaded is None:
            return {"ready": False, "error": self.error}
        backend = self.loaded.service.backend
        return {
            "ready": True,
            "model": backend.name,
            "backend": self.loaded.choice.kind,
            "labels": list(backend.labels),
            "reason": self.loaded.choice.reason,
            "load_seconds": round(self.loaded.seconds, 3),
        }
