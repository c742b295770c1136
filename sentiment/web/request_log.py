"""One JSON line per request, for the operator: request id, client address, route, status, latency,
text count.

The request id comes from the client's ``X-Request-ID`` when it is a plain token (letters, digits,
``._:-``, at most 128), else a new one; it goes back in the answer's ``X-Request-ID``, so a caller
and the operator can find the same request. The submitted text is never logged unless
``SENTIMENT_LOG_TEXTS`` is on.
"""
from __future__ import annotations

import json
import logging
import queue
import re
import sys
import time
import uuid

from logging.handlers import QueueHandler, QueueListener

from flask import Flask, Response, g, request

TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = logging.getLogger("sentiment.requests")


def note_texts(texts: list[str]) -> None:
    """Called where a request's texts are read: their count is logged (and they, when allowed)."""
    g.texts = texts


def install(app: Flask) -> None:
    if not log.handlers:
        # Bare JSON lines on stderr, apart from the service's own messages, written by a thread of their
        # own: a request only queues its line, rather than wait its turn at the stream's lock (a sixth
        # of a worker's time under 32 clients, measured with py-spy).
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        lines: queue.SimpleQueue = queue.SimpleQueue()
        QueueListener(lines, handler).start()
        log.addHandler(QueueHandler(lines))
        log.setLevel(logging.INFO)
        log.propagate = False
    with_texts = app.config["SENTIMENT_LOG_TEXTS"]

    @app.before_request
    def start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if TOKEN.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id") or uuid.uuid4().hex
        texts = g.get("texts")
        line = {"request_id": response.headers["X-Request-ID"], "client": request.remote_addr, "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None, "status": response.status_code,
                "latency_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2),
                "texts": len(texts) if texts is not None else 0}
        if with_texts and texts:
            line["text"] = texts
        log.info(json.dumps(line, ensure_ascii=False))
        return response
