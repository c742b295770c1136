"""``GET /openapi.json``: the OpenAPI 3.1 document of every route, built from the code by apispec.

Each view's docstring carries its operation (after a ``---`` line, in YAML, next to the code that
answers it); the shapes they share are the components below, and every 4xx and 5xx answer of the
API is the one ``Error`` shape, added to each operation here. ``GET /docs`` shows the document with
Swagger UI, served from ``static/vendor/swagger-ui`` (no CDN). ``tests/test_openapi.py`` validates the
document, checks that every route is in it, and checks real answers against it.
"""
from __future__ import annotations

from apispec import APISpec
from apispec.yaml_utils import load_operations_from_docstring
from flask import Flask, jsonify, render_template

from sentiment.web.openapi_inputs import NAME, shapes

NUMBER_MAP = {"type": "object", "additionalProperties": {"type": "number"}}
SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object", "required": ["error", "code"],
        "properties": {"error": {"type": "string", "description": "for people, in Chinese"},
                       "code": {"type": "string", "description": "stable, for programs"}},
        "additionalProperties": True,
    },
    "Sentiment": {
        "type": "object", "required": ["text", "label", "sentiment", "confidence", "scores", "model", "windows"],
        "properties": {"text": {"type": "string"}, "label": {"type": "string"},
                       "sentiment": {"type": ["string", "null"], "enum": ["Positive", "Negative", "Neutral", None]},
                       "confidence": {"type": "number", "minimum": 0, "maximum": 1}, "emoji": {"type": "string"},
                       "scores": NUMBER_MAP, "model": {"type": "string"},
                       "windows": {"type": "integer", "minimum": 1},
                       "mixed": {"type": "boolean", "description": "sentences that confidently disagree"},
                       "sentences": {"type": "array", "items": {"$ref": "#/components/schemas/SentenceAnswer"}},
                       "aspects": {"type": "array", "description": "with aspects: SET",
                                   "items": {"$ref": "#/components/schemas/Aspect"}},
                       "highlights": {"type": "array", "description": "with explain: the spans that moved the verdict",
                                      "items": {"type": "object", "required": ["start", "end", "text", "weights"],
                                                "properties": {"start": {"type": "integer"}, "end": {"type": "integer"},
                                                               "text": {"type": "string"}, "weights": NUMBER_MAP}}}},
    },
    "Aspect": {
        "type": "object", "required": ["category", "label", "sentiment", "confidence", "mixed", "mentions"],
        "description": "one category the text talks about: its polarity (the mean of its mentions) and evidence",
        "properties": {"category": {"type": "string"}, "label": {"type": "string", "enum": ["正面", "中性", "负面"]},
                       "sentiment": {"type": "string", "enum": ["Positive", "Neutral", "Negative"]},
                       "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                       "mixed": {"type": "boolean", "description": "its mentions confidently disagree"},
                       "mentions": {"type": "array", "items": {
                           "type": "object", "required": ["start", "end", "text", "label", "sentiment", "confidence", "targets"],
                           "description": "the clause that speaks of it (the opinion), text[start:end] of the text as sent",
                           "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}, "text": {"type": "string"},
                                          "label": {"type": "string"}, "sentiment": {"type": "string"},
                                          "confidence": {"type": "number"},
                                          "targets": {"type": "array", "items": {"$ref": "#/components/schemas/Span"}}}}}}},
    "Span": {"type": "object", "required": ["start", "end", "text"],
             "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}, "text": {"type": "string"}}},
    "Aspects": {"type": "object", "required": ["text", "set", "aspects"],
                "properties": {"text": {"type": "string"}, "set": {"type": "string"},
                               "aspects": {"type": "array", "items": {"$ref": "#/components/schemas/Aspect"}}}},
    "AspectsAnswer": {"oneOf": [
        {"$ref": "#/components/schemas/Aspects"},
        {"type": "object", "required": ["results"],
         "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/Aspects"}}}}]},
    "AspectSet": {
        "type": "object", "required": ["id", "name", "categories", "builtin"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "about": {"type": "string"},
                       "builtin": {"type": "boolean"}, "mine": {"type": "boolean"},
                       "categories": {"type": "object", "additionalProperties": {
                           "type": "object", "properties": {key: {"type": "array", "items": {"type": "string"}}
                                                            for key in ("targets", "opinions", "examples", "learned")}}}}},
    "SentenceAnswer": {
        "type": "object", "required": ["start", "end", "text", "label", "sentiment", "confidence"],
        "description": "one sentence or clause: text[start:end] of the text as sent (Unicode code points)",
        "properties": {"start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0},
                       "text": {"type": "string"}, "label": {"type": "string"},
                       "sentiment": {"type": ["string", "null"], "enum": ["Positive", "Negative", "Neutral", None]},
                       "confidence": {"type": "number", "minimum": 0, "maximum": 1}}},
    "SentimentAnswer": {"oneOf": [
        {"$ref": "#/components/schemas/Sentiment"},
        {"type": "object", "required": ["results"],
         "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/Sentiment"}}}}]},
    "Classified": {
        "type": "object", "required": ["text", "labels", "scores", "label", "model", "multi_label"],
        "properties": {"text": {"type": "string"}, "labels": {"type": "array", "items": {"type": "string"}},
                       "scores": NUMBER_MAP, "label": {"type": "string"}, "model": {"type": "string"},
                       "multi_label": {"type": "boolean"}, "generated": {"type": "string"},
                       "mapped": {"type": "boolean"}},
    },
    "ClassifyAnswer": {"oneOf": [
        {"$ref": "#/components/schemas/Classified"},
        {"type": "object", "required": ["results"],
         "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/Classified"}}}}]},
    "Classifier": {
        "type": "object", "required": ["name", "labels"],
        "properties": {"name": {"type": "string"}, "labels": {"type": "array", "items": {"type": "string"}},
                       "created": {"type": "string"}, "examples": {"type": "integer"}, "counts": NUMBER_MAP,
                       "cross_validation": {"type": "object"}, "features": {"type": "string"}},
    },
    "Job": {
        "type": "object", "required": ["id", "state", "rows_done", "rows_total", "status_url", "result_url"],
        "properties": {"id": {"type": "string"},
                       "state": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
                       "rows_done": {"type": "integer"}, "rows_total": {"type": "integer"},
                       "rows_per_second": {"type": "number"}, "eta_seconds": {"type": ["number", "null"]},
                       "created": {"type": "number"}, "finished": {"type": ["number", "null"]},
                       "error": {"type": ["string", "null"]}, "options": {"type": "object"},
                       "status_url": {"type": "string"}, "result_url": {"type": "string"}},
    },
}
RESPONSES = {
    "Error": {"description": "a clear error with its stable code",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}


def build(app: Flask) -> dict:
    """The document for this app's routes: every view that documents itself in its docstring."""
    spec = APISpec(title="中文情感分析 Chinese sentiment service", version="1.0.0", openapi_version="3.1.0",
                   info={"description": "Sentiment, your own labels, files and jobs. Errors: {error, code}."})
    for name, schema in {**SCHEMAS, **shapes(app.config)}.items():
        spec.components.schema(name, schema)
    for name, response in RESPONSES.items():
        spec.components.response(name, response)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        operations = load_operations_from_docstring(app.view_functions[rule.endpoint].__doc__ or "")
        if not operations:
            continue
        path = rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}")
        parameters = [{"name": name, "in": "path", "required": True,
                       "schema": NAME if name == "name" else {"type": "string"}} for name in rule.arguments]
        if path.startswith("/api/") or path == "/ready":
            for operation in operations.values():
                # Every error answer has the one shape, whatever the route: said once, here.
                operation["responses"].update({"4XX": {"$ref": "#/components/responses/Error"},
                                               "5XX": {"$ref": "#/components/responses/Error"}})
                if app.config["SENTIMENT_API_KEYS"] and path.startswith("/api/"):  # /ready is open
                    operation.setdefault("security", [{"bearer": []}, {"apiKey": []}])
        spec.path(path=path, operations=operations, parameters=parameters or None)
    return spec.to_dict()


def install(app: Flask) -> None:
    document: list[dict] = []  # built once, on first use, when every blueprint is registered

    @app.get("/openapi.json")
    def openapi():
        if not document:
            document.append(build(app))
        return jsonify(document[0])

    @app.get("/docs")
    def docs():
        return render_template("docs.html")
