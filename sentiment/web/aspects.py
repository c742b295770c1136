"""Aspects over HTTP: ``POST /api/aspects`` and ``/api/aspect-sets`` (list, make, delete).

``/api/sentiment`` takes ``"aspects": SET`` too (``read``): the page's chat and its 批量分析 chunks come
that way, with the verdict and the aspects of each text in one answer.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from sentiment.models.aspects.sets import AspectSet, InvalidAspectSet, UnknownAspectSet
from sentiment.models.aspects.store import AspectSets, reader_for
from sentiment.web import tenancy
from sentiment.web.errors import ApiError, bad_request, deadline
from sentiment.web.validation import json_body, texts_from

bp = Blueprint("aspects", __name__)


def _sets() -> AspectSets:
    return current_app.extensions["aspect_sets"]


def chosen_set(body: dict, field: str = "set") -> AspectSet:
    """The set a request names (``set``, or the page's default when absent); 404 for one it may not see."""
    set_id = body.get(field, current_app.config["SENTIMENT_ASPECT_SET"])
    if not isinstance(set_id, str) or not set_id.strip():
        raise bad_request("invalid_type", f"{field} 必须是类别集的 id（字符串），例如 \"restaurant\"。")
    return tenancy.aspect_set(set_id.strip())


def read(texts: list[str], aspect_set: AspectSet, budget: float | None = None) -> list[list[dict]]:
    """Each text's aspects in ``aspect_set``."""
    reader = reader_for(current_app.extensions["sentiment_model"], current_app.config)
    return reader.read(texts, aspect_set, budget)


def _about(aspect_set: AspectSet) -> dict:
    return {**aspect_set.as_json(), "mine": aspect_set.owner is not None and aspect_set.owner == tenancy.owner()}


@bp.post("/api/aspects")
def aspects():
    """What each text talks about (a set's categories), how it feels about each, and the words that say so.
    ---
    post:
      summary: Aspects of one text or a batch
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/AspectsInput'}}}}
      responses:
        200: {description: 'one answer, or results in input order', content: {application/json: {schema: {$ref: '#/components/schemas/AspectsAnswer'}}}}
        404: {description: 'no set of that id', content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
    """
    config = current_app.config
    body = json_body(request)
    job = texts_from(body, config["SENTIMENT_MAX_CHARS"], config["SENTIMENT_MAX_TEXTS"])
    aspect_set = chosen_set(body)
    results = [{"text": text, "set": aspect_set.id, "aspects": found}
               for text, found in zip(job.texts, read(job.texts, aspect_set, deadline()))]
    return jsonify({"results": results} if job.batch else results[0])


@bp.get("/api/aspect-sets")
def aspect_sets():
    """The aspect sets: the ready-made ones and those this key (or the page) made.
    ---
    get:
      summary: List aspect sets
      responses:
        200: {description: 'the sets and the default', content: {application/json: {schema: {type: object, required: [sets, default], properties: {sets: {type: array, items: {$ref: '#/components/schemas/AspectSet'}}, default: {type: string}}}}}}
    """
    sets = [_about(s) for s in _sets().list() if tenancy.may_see(s.owner)]
    return jsonify({"sets": sets, "default": current_app.config["SENTIMENT_ASPECT_SET"]})


@bp.post("/api/aspect-sets")
def make_aspect_set():
    """Make (or, with ``replace``, remake) your own set: categories with words and/or example phrases,
    optionally starting from a ready-made set (``base``).
    ---
    post:
      summary: Make an aspect set
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/AspectSetInput'}}}}
      responses:
        201: {description: 'the set, with the words learned from its examples', content: {application/json: {schema: {$ref: '#/components/schemas/AspectSet'}}}}
    """
    body = json_body(request)
    replace = body.pop("replace", False)
    if not isinstance(replace, bool):
        raise bad_request("invalid_type", "replace 必须是 true 或 false。")
    aspect_set = _sets().build(body)
    try:
        existing = _sets().get(aspect_set.id)
    except UnknownAspectSet:
        existing = None
    if existing is not None:
        if not tenancy.may_see(existing.owner) or not tenancy.may_change(existing.owner):
            raise ApiError(409, "aspect_set_exists", f"id“{aspect_set.id}”已被占用；请换一个。")
        if not replace:
            raise ApiError(409, "aspect_set_exists", f"已经有 id 为“{aspect_set.id}”的类别集；换一个 id，或选择替换。")
    return jsonify(_about(_sets().save(aspect_set, tenancy.owner()))), 201


@bp.delete("/api/aspect-sets/<set_id>")
def delete_aspect_set(set_id: str):
    """Remove a set you made.
    ---
    delete:
      summary: Delete an aspect set
      responses:
        200: {description: 'deleted', content: {application/json: {schema: {type: object, required: [deleted]}}}}
    """
    found = tenancy.aspect_set(set_id)
    if found.builtin:
        raise InvalidAspectSet("builtin_aspect_set", "内置类别集不能删除。")
    if not tenancy.may_change(found.owner):
        raise ApiError(403, "forbidden", "这个类别集是共享的，只有管理员密钥可以删除它。")
    _sets().delete(found.id)
    return jsonify({"deleted": found.id})
