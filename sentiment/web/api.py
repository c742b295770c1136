"""The JSON API: ``POST /api/sentiment``, ``GET /health``, ``GET /ready``."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from sentiment.web.errors import deadline, unavailable
from sentiment.web.validation import parse_job

bp = Blueprint("api", __name__)


def _slot():
    return current_app.extensions["sentiment_model"]


@bp.post("/api/sentiment")
def sentiment():
    config = current_app.config
    job = parse_job(request, config["SENTIMENT_MAX_CHARS"], config["SENTIMENT_MAX_TEXTS"])
    results = _slot().get().analyse(job.texts, deadline())
    return jsonify({"results": results} if job.batch else results[0])


@bp.get("/health")
def health():
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready():
    status = _slot().status()
    if status["ready"]:
        return jsonify(status)
    error = unavailable(_slot().not_ready())  # the same 503 body the API answers, plus the slot's state
    return jsonify({**status, "error": error.message, "code": error.code}), error.status
