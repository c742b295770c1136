"""Your own labels over HTTP: ``POST /api/classify`` and ``/api/classifiers`` (teach, list, delete)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from sentiment.bulk.tagging import LABEL_COLUMNS, TEXT_COLUMNS
from sentiment.models.custom.answer import ranked
from sentiment.models.custom.generative import UnsupportedOption
from sentiment.models.custom.store import ClassifierStore, UnknownClassifier
from sentiment.models.custom.taught import InvalidExamples, check_examples, teach
from sentiment.models.custom.zero_shot_slot import ZeroShotSlot, ZeroShotUnavailable
from sentiment.web.errors import ApiError, deadline, unknown_classifier
from sentiment.web.validation import classify_job, json_body, teaching_set

bp = Blueprint("custom", __name__)


def _store() -> ClassifierStore:
    return current_app.extensions["classifiers"]


def _zero_shot() -> ZeroShotSlot:
    return current_app.extensions["zero_shot"]


@bp.post("/api/classify")
def classify():
    job = classify_job(json_body(request), current_app.config)
    texts = job.job.texts
    if job.classifier is not None:
        try:
            classifier = _store().get(job.classifier)
        except UnknownClassifier:
            raise unknown_classifier(job.classifier) from None
        results = [ranked(text, prediction.scores, f"taught:{classifier.name}", False)
                   for text, prediction in zip(texts, classifier.predict(texts))]
    else:
        try:
            model = _zero_shot().get()
        except ZeroShotUnavailable as error:
            raise ApiError(409, "zero_shot_unavailable", str(error), how=error.how) from None
        try:
            results = model.classify(texts, job.labels, job.template, job.multi_label, deadline())
        except UnsupportedOption as error:
            raise ApiError(400, error.code, str(error)) from None
    return jsonify({"results": results} if job.job.batch else results[0])


@bp.get("/api/classifiers")
def classifiers():
    return jsonify({"classifiers": _store().list(), "zero_shot": _zero_shot().status()})


@bp.post("/api/classifiers")
def teach_classifier():
    config = current_app.config
    wanted = teaching_set(request, TEXT_COLUMNS, LABEL_COLUMNS)
    if not wanted.replace and _store().exists(wanted.name):
        raise ApiError(409, "classifier_exists", f"已经有名为“{wanted.name}”的分类器；换个名字，或先删除它。",
                       classifier=wanted.name)
    try:
        texts, labels = check_examples(wanted.rows, config["SENTIMENT_MIN_EXAMPLES_PER_LABEL"],
                                       config["SENTIMENT_MAX_EXAMPLES"], config["SENTIMENT_MAX_CHARS"])
    except InvalidExamples as error:
        raise ApiError(400, error.code, error.message, **error.extra) from None
    return jsonify(_store().save(teach(wanted.name, texts, labels))), 201


@bp.delete("/api/classifiers/<name>")
def delete_classifier(name: str):
    try:
        _store().delete(name)
    except UnknownClassifier:
        raise unknown_classifier(name) from None
    return jsonify({"deleted": name})
