"""What the API accepts, stated as exactly as JSON Schema can state it, from the same settings and rules
that validation applies (``models.texts``, ``custom.label_set``, ``custom.store``, ``validation``).

A document looser than the checks tells a client that a request is fine and then refuses it; a stricter
one refuses what the service takes. Schemathesis checks both directions against a live Gunicorn
(``tests/test_schemathesis.py``). What no schema can say is listed in ``schemathesis.toml``: a file's
contents and columns, and how many examples each label of a teaching set has. One rule is looser here
than in the service: labels are distinct once stripped (``["物流", " 物流"]`` is refused as a duplicate),
which ``uniqueItems`` cannot say.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any, Mapping

from sentiment.bulk.tables import FORMATS
from sentiment.models.aspects.sets import (ID, MAX_CATEGORIES, MAX_EXAMPLE_CHARS, MAX_EXAMPLES, MAX_WORD_CHARS,
                                           MAX_WORDS, ready_made)
from sentiment.models.aspects.sets import NAME as CATEGORY_NAME
from sentiment.models.backends import BUNDLED_MODELS
from sentiment.models.custom.label_set import MAX_LABEL_CHARS
from sentiment.models.texts import _INVISIBLE

OUTPUT_FORMATS = [kind for kind in FORMATS if kind != "txt"]
NAME = {"type": "string", "pattern": r"^\s*[\w\-]{1,40}\s*$", "description": "letters (Chinese too), digits, _ and -"}
TEMPLATE = {"type": "string", "pattern": r"^[^{}]*\{\}[^{}]*$", "description": "one {} where each label goes"}
MODEL = {"type": "string", "enum": list(BUNDLED_MODELS),
         "description": "a bundled model for this file or job instead of the served one (e.g. bundled-fast for large files)"}


def _escape(code: int) -> str:
    return f"\\u{code:04x}"


@lru_cache(maxsize=1)
def visible() -> str:
    """A pattern that a text matches when it holds a character that is neither whitespace nor invisible
    (``texts.has_content``): the class of every other character, as ranges. Only the Basic Multilingual
    Plane is spelled (``\\uXXXX`` is what every regex dialect that reads the document shares): the few
    invisible characters above it (tag characters, U+E0001 …) are not excluded, so a text of nothing but
    those matches the pattern and is still refused, as ``empty_text``."""
    hidden = [code for code in range(0xFFFF + 1) if not 0xD800 <= code <= 0xDFFF
              and (chr(code).isspace() or unicodedata.category(chr(code)) in _INVISIBLE)]
    ranges, start = [], hidden[0]
    for previous, code in zip(hidden, hidden[1:] + [-1]):
        if code != previous + 1:
            ranges.append(_escape(start) if start == previous else f"{_escape(start)}-{_escape(previous)}")
            start = code
    return "[^" + "".join(ranges) + "]"


def shapes(config: Mapping[str, Any]) -> dict[str, dict]:
    """The request shapes, with this service's limits."""
    text = {"type": "string", "minLength": 1, "maxLength": config["SENTIMENT_MAX_CHARS"], "pattern": visible(),
            "description": "something to read (not only whitespace or invisible characters)"}
    texts = {"type": "array", "items": text, "minItems": 1, "maxItems": config["SENTIMENT_MAX_TEXTS"]}
    label = {"type": "string", "pattern": rf"^\s*\S(?:.{{0,{MAX_LABEL_CHARS - 2}}}\S)?\s*$"}

    def labels(minimum: int) -> dict:
        return {"type": "array", "items": label, "uniqueItems": True, "minItems": minimum,
                "maxItems": config["SENTIMENT_MAX_LABELS"]}

    one_or_many = [{"required": ["text"], "properties": {"text": text}, "not": {"required": ["texts"]}},
                   {"required": ["texts"], "properties": {"texts": texts}, "not": {"required": ["text"]}}]
    set_id = {"type": "string", "enum": sorted(ready_made()),
              "description": "an aspect set: a ready-made one (listed), or the id of one you made (GET /api/aspect-sets)"}
    explain = {"explain": {"type": "boolean", "description": "add highlights: the spans that moved the verdict"},
               "aspects": {**set_id, "description": "add aspects: the categories of this set the text talks about"}}
    word = {"type": "string", "pattern": r"\S", "maxLength": MAX_WORD_CHARS}
    words = {"type": "array", "items": word, "maxItems": MAX_WORDS}
    not_taught = {"anyOf": [{"required": ["classifier"]}, {"required": ["threshold"]}]}
    zero_shot = [
        {"required": ["labels"], "properties": {"labels": labels(2), "multi_label": {"const": False},
                                                "hypothesis_template": TEMPLATE}, "not": not_taught},
        {"required": ["labels", "multi_label"], "properties": {"labels": labels(1), "multi_label": {"const": True},
                                                               "hypothesis_template": TEMPLATE},
         "not": not_taught},
    ]
    threshold = {"type": "number", "minimum": 0, "maximum": 1,
                 "description": "a taught classifier's: below it the answer is 其他 (default: its own, from cross-validation)"}
    taught = {"required": ["classifier"], "properties": {"classifier": NAME, "threshold": threshold},
              "not": {"anyOf": [{"required": [key]} for key in ("labels", "multi_label", "hypothesis_template")]}}
    job_texts = {"type": "array", "items": {"type": "string"}, "minItems": 1,
                 "maxItems": config["SENTIMENT_JOB_MAX_ROWS"]}
    return {
        "TextInput": {"type": "object", "oneOf": one_or_many, "properties": explain,
                      "description": "either text (one answer) or texts (answers in results)"},
        "AspectsInput": {"type": "object", "oneOf": one_or_many, "properties": {"set": set_id},
                         "description": "text or texts, and the set (the service's default when absent)"},
        "AspectSetInput": {
            "type": "object", "required": ["id", "categories"],
            "properties": {
                "id": {"type": "string", "pattern": ID.pattern, "not": {"enum": sorted(ready_made())}},
                "name": {"type": "string", "pattern": CATEGORY_NAME.pattern}, "about": {"type": "string", "maxLength": 200},
                "base": {"type": "string", "enum": sorted(ready_made()), "description": "start from this set's categories"},
                "replace": {"type": "boolean"}, "ignore": words,
                "categories": {"type": "object", "minProperties": 1, "maxProperties": MAX_CATEGORIES,
                               "propertyNames": {"pattern": CATEGORY_NAME.pattern},
                               "additionalProperties": {
                                   "type": "object", "additionalProperties": False,
                                   "anyOf": [{"required": [key], "properties": {key: {"minItems": 1}}}
                                             for key in ("targets", "opinions", "examples")],
                                   "properties": {"targets": words, "opinions": words,
                                                  "examples": {"type": "array", "maxItems": MAX_EXAMPLES, "items": {
                                                      "type": "string", "pattern": r"\S", "maxLength": MAX_EXAMPLE_CHARS}}}}}}},
        "ClassifyInput": {"type": "object", "allOf": [{"oneOf": one_or_many}, {"oneOf": [*zero_shot, taught]}],
                          "description": "text or texts, and either labels (zero-shot) or classifier (taught)"},
        "JobInput": {"type": "object", "required": ["texts"],
                     "properties": {"texts": job_texts, "format": {"type": "string", "enum": OUTPUT_FORMATS},
                                    "model": MODEL, "aspects": set_id, "threshold": threshold,
                                    "header_language": {"type": "string", "enum": ["en", "zh"]}},
                     "oneOf": [{"not": {"anyOf": [{"required": ["labels"]}, {"required": ["classifier"]}]}},
                               *zero_shot, taught]},
        "TeachInput": {
            "type": "object", "required": ["name", "examples"],
            "properties": {"name": NAME, "replace": {"type": "boolean"},
                           "examples": {"type": "array", "minItems": 2 * config["SENTIMENT_MIN_EXAMPLES_PER_LABEL"],
                                        "maxItems": config["SENTIMENT_MAX_EXAMPLES"], "items": {
                                            "type": "object", "required": ["text", "label"],
                                            "properties": {"text": {**text, "pattern": r"\S"}, "label": label}}}}},
        "FileUpload": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "CSV / TSV / TXT (UTF-8 or GBK), XLSX or JSON lines, by its name"},
                           "column": {"type": "string"}, "format": {"type": "string", "enum": ["", *OUTPUT_FORMATS]},
                           "classifier": {"type": "string", "pattern": r"^(\s*[\w\-]{1,40}\s*)?$"},
                           "model": {"type": "string", "enum": ["", *BUNDLED_MODELS]},
                           "aspects": {"type": "string", "enum": ["", *sorted(ready_made())]},
                           "header_language": {"type": "string", "enum": ["", "en", "zh"],
                                               "description": "names of the added columns: en (default) or zh"},
                           "threshold": {"type": "string", "pattern": r"^(|0(\.\d{1,6})?|1(\.0{1,6})?)$",
                                         "description": "with classifier: below it the label is 其他"}}},
        "TeachUpload": {"type": "object", "required": ["name", "file"],
                        "properties": {"name": NAME, "replace": {"type": "string", "enum": ["", "true", "1", "on", "false", "0", "off"]},
                                       "file": {"type": "string", "format": "binary",
                                                "description": "CSV, XLSX or JSON lines with text and label columns"}}},
        "TableUpload": {"type": "object", "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary",
                                                "description": "CSV / TSV / TXT (UTF-8 or GBK), XLSX or JSON lines"}}},
        "TableRows": {
            "type": "object", "required": ["columns", "rows"],
            "properties": {"name": {"type": "string"}, "sheet": {"type": ["string", "null"]},
                           "columns": {"type": "array", "items": {"type": ["string", "number", "boolean", "null"]},
                                       "maxItems": config["SENTIMENT_MAX_FILE_COLUMNS"]},
                           "rows": {"type": "array", "items": {"type": "array", "items": {
                               "type": ["string", "number", "boolean", "null"]}}}}},
        "ModelName": MODEL,
    }
