"""Your own labels over HTTP: ``POST /api/classify`` and ``/api/classifiers`` (teach, list, delete)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from sentiment.models.custom.answer import ranked
from sentiment.models.custom.generative import UnsupportedOption
from sentiment.models.custom.store import ClassifierStore, UnknownClassifier
from sentiment.models.custom.taught import InvalidExamples, check_examples, teach
from sentiment.models.custom.zero_shot_slot import ZeroShotSlot, ZeroShotUnavailable
from sentiment.web import tenancy
from sentiment.web.errors import ApiError, deadline, unknown_classifier
from sentiment.web.validation import classify_job, json_body, teaching_set

bp = Blueprint("custom", __name__)


def _store() -> ClassifierStore:
    return current_app.extensions["classifiers"]


def _zero_shot() -> ZeroShotSlot:
    return current_app.extensions["zero_shot"]


@bp.post("/api/classify")
def classify():
    """Your own labels: zero-shot (labels) or a taught classifier (classifier).
    ---
    post:
      summary: Classify into your own labels
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/ClassifyInput'}}}}
      responses:
        200: {description: 'one answer, or results in input order', content: {application/json: {schema: {$ref: '#/components/schemas/ClassifyAnswer'}}}}
    """
    job = classify_job(json_body(request), current_app.config)
    texts = job.job.texts
    if job.classifier is not None:
        try:
            classifier = tenancy.classifier(job.classifier)
        except UnknownClassifier:
            raise unknown_classifier(job.classifier) from None
        threshold = classifier.threshold if job.threshold is None else job.threshold
        predictions = classifier.predict(texts)
        results = [ranked(text, prediction.scores, f"taught:{classifier.name}", False, label, threshold)
                   for text, prediction, label in zip(texts, predictions, classifier.decide(texts, predictions, threshold))]
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
    """The taught classifiers, and whether a zero-shot model is present.
    ---
    get:
      summary: List taught classifiers
      responses:
        200: {description: 'classifiers and zero-shot status', content: {application/json: {schema: {type: object, required: [classifiers, zero_shot], properties: {classifiers: {type: array, items: {$ref: '#/components/schemas/Classifier'}}, zero_shot: {type: object}}}}}}
    """
    mine = [about for about in _store().list() if tenancy.may_see(about.get("owner"))]
    return jsonify({"classifiers": mine, "zero_shot": _zero_shot().status()})


@bp.post("/api/classifiers")
def teach_classifier():
    """Teach a classifier from examples (JSON, or a CSV/XLSX/JSONL upload with name and file).
    ---
    post:
      summary: Teach a classifier
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/TeachInput'}}, multipart/form-data: {schema: {$ref: '#/components/schemas/TeachUpload'}}}}
      responses:
        201: {description: 'the classifier with its cross-validated accuracy', content: {application/json: {schema: {$ref: '#/components/schemas/Classifier'}}}}
    """
    config = current_app.config
    wanted = teaching_set(request)
    if _store().exists(wanted.name):
        owner_of = _store().about(wanted.name).get("owner")
        if not tenancy.may_see(owner_of) or not tenancy.may_change(owner_of):
            raise ApiError(409, "classifier_exists", f"名称“{wanted.name}”已被占用；请换个名字。", classifier=wanted.name,
                           replaceable=False)
        if not wanted.replace:
            raise ApiError(409, "classifier_exists", f"已经有名为“{wanted.name}”的分类器；换个名字，或先删除它。",
                           classifier=wanted.name, replaceable=True)  # replace=true teaches it again
    try:
        texts, labels = check_examples(wanted.rows, config["SENTIMENT_MIN_EXAMPLES_PER_LABEL"],
                                       config["SENTIMENT_MAX_EXAMPLES"], config["SENTIMENT_MAX_CHARS"],
                                       config["SENTIMENT_MAX_LABELS"])
    except InvalidExamples as error:
        raise ApiError(400, error.code, error.message, **error.extra) from None
    return jsonify(_store().save(teach(wanted.name, texts, labels, deadline()), tenancy.owner())), 201


@bp.delete("/api/classifiers/<name>")
def delete_classifier(name: str):
    """Remove a taught classifier.
    ---
    delete:
      summary: Delete a classifier
      responses:
        200: {description: 'deleted', content: {application/json: {schema: {type: object, required: [deleted]}}}}
    """
    try:
        owner_of = _store().about(name).get("owner")
        if not tenancy.may_see(owner_of):
            raise UnknownClassifier(name)
        if not tenancy.may_change(owner_of):
            raise ApiError(403, "forbidden", "这个分类器是共享的，只有管理员密钥可以删除它。")
        _store().delete(name)
    except UnknownClassifier:
        raise unknown_classifier(name) from None
    return jsonify({"deleted": name})
