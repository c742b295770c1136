"""Back-pressure: past a bound of API requests in progress in one worker, answer 429 at once.

A worker serves one model call at a time; requests beyond that wait for it. Past
``SENTIMENT_MAX_PENDING`` of them, a new one would only wait longer than its client will, so it is
refused at once with ``Retry-After``, and the client (or nginx) tries again or elsewhere. Only
``/api/*`` counts: ``/health``, ``/ready``, ``/metrics`` and the page answer whatever the load.
Gunicorn must give each worker more threads than the bound (``GUNICORN_THREADS``, which defaults to
the bound plus 4), or the surplus would wait in Gunicorn's queue where no one can refuse it.
"""
from __future__ import annotations

import threading

from flask import Flask, g, request

from sentiment.web.errors import ApiError


class Gate:
    def __init__(self, bound: int):
        self.bound, self.inside = bound, 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.inside >= self.bound:
                return False
            self.inside += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.inside -= 1


def install(app: Flask) -> None:
    gate = app.extensions["gate"] = Gate(app.config["SENTIMENT_MAX_PENDING"])

    @app.before_request
    def admit():
        if not request.path.startswith("/api/") or request.method == "OPTIONS":
            return None
        if not gate.enter():
            body, status = ApiError(429, "too_busy", "服务繁忙，请稍后再试。", retry_after_seconds=1).response()
            body.headers["Retry-After"] = "1"
            return body, status
        g.admitted = True
        return None

    @app.teardown_request
    def release(_error: BaseException | None) -> None:
        if g.pop("admitted", False):
            gate.leave()
