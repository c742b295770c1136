"""The JSON API: ``POST /api/sentiment``, ``GET /health``, ``GET /ready``."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from sentiment.models.explain import analyse_with_sentences
from sentiment.models.highlights import highlights
from sentiment.web.aspects import chosen_set, read
from sentiment.web.errors import bad_request, deadline, unavailable
from sentiment.web.validation import json_body, texts_from

bp = Blueprint("api", __name__)


def _slot():
    return current_app.extensions["sentiment_model"]


@bp.post("/api/sentiment")
def sentiment():
    """Positive or negative, with a confidence, for one text or a batch.
    ---
    post:
      summary: Sentiment of one text or a batch
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TextInput'}}}}
      responses:
        200: {description: 'one answer, or results in input order', content: {application/json: {schema: {$ref: '#/components/schemas/SentimentAnswer'}}}}
    """
    config = current_app.config
    body = json_body(request)
    job = texts_from(body, config["SENTIMENT_MAX_CHARS"], config["SENTIMENT_MAX_TEXTS"])
    explain = body.get("explain", False)
    if not isinstance(explain, bool):
        raise bad_request("invalid_type", "explain 必须是 true 或 false。")
    aspect_set = chosen_set(body, "aspects") if "aspects" in body else None
    service, budget = _slot().get(), deadline()
    results = analyse_with_sentences(service, job.texts, budget)
    if aspect_set is not None:
        for result, found in zip(results, read(job.texts, aspect_set, budget)):
            result["aspects"] = found
    if explain:  # one more pass: every character (or sentence, for a long text) left out in turn
        for result, spans in zip(results, highlights(service, job.texts, results, budget)):
            result["highlights"] = spans
    return jsonify({"results": results} if job.batch else results[0])


@bp.get("/health")
def health():
    """Alive (the process answers), whether or not the model is ready.
    ---
    get:
      summary: Liveness
      responses:
        200: {description: '{"status": "ok"}', content: {application/json: {schema: {type: object}}}}
    """
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready():
    """Ready to answer: the model in use and its labels, or 503 with why not.
    ---
    get:
      summary: Readiness, the model and its labels
      responses:
        200: {description: the model serves, content: {application/json: {schema: {type: object, required: [ready, labels]}}}}
    """
    status = _slot().status()
    if status["ready"]:
        return jsonify(status)
    error = unavailable(_slot().not_ready())  # the same 503 body the API answers, plus the slot's state
    return jsonify({**status, "error": error.message, "code": error.code}), error.status
