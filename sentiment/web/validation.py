"""Turn an API request body into the list of texts to classify, or say exactly what is wrong.

Checks run in the order a client would fix them: content type, encoding and JSON syntax,
shape, types, then each text by the models' own rule (``sentiment.models.texts``). A bad
text in a batch names its index, so nothing is dropped silently.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from flask import Request
from werkzeug.exceptions import UnsupportedMediaType

from sentiment.models.custom.label_set import InvalidLabels, check_labels, check_template
from sentiment.models.custom.store import check_name
from sentiment.models.texts import InvalidText, check_text
from sentiment.bulk.budget import TableError
from sentiment.bulk.labelled import SUFFIXES, read_labelled_rows
from sentiment.bulk.tagging import HEADER_LANGUAGES
from sentiment.web.errors import bad_request, read_budget, table_error
from sentiment.web.request_log import note_texts


@dataclass(frozen=True)
class Job:
    texts: list[str]
    batch: bool  # answer {"results": [...]} rather than a single result


def _text(text: object, max_chars: int, where: str, **extra: object) -> str:
    try:
        return check_text(text, max_chars, where, **extra)
    except InvalidText as error:
        raise bad_request(error.code, error.message, **error.extra) from None


def _body(request: Request) -> object:
    """The parsed JSON body. Only UTF-8 is read (RFC 8259; a UTF-8 BOM is tolerated): ``json.loads``
    on bytes would guess UTF-16 or UTF-32 too, and answer for a body the documentation refuses."""
    try:
        return json.loads(request.get_data().decode("utf-8-sig"))  # pragma: no mutate: codec names ignore case
    except UnicodeDecodeError:
        raise bad_request("invalid_json", "请求内容必须是 UTF-8 编码的 JSON。") from None
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested thousands deep
        raise bad_request("invalid_json", "请求内容不是有效的 JSON。") from None


def json_body(request: Request) -> dict:
    """The request's JSON object, or the error a client fixes first (content type, encoding, syntax, shape)."""
    if not request.is_json:
        raise UnsupportedMediaType()  # answered by errors.py with the one 415 body
    body = _body(request)
    if not isinstance(body, dict):
        raise bad_request("invalid_type", '请求内容必须是 JSON 对象，例如 {"text": "..."}。')
    return body


def texts_from(body: dict, max_chars: int, max_texts: int) -> Job:
    """The ``text`` or ``texts`` of a request body, each checked by the models' own rule."""
    if "text" in body and "texts" in body:
        raise bad_request("ambiguous_input", "请只提供 text（单条）或 texts（多条）中的一个。")
    if "text" in body:
        job = Job([_text(body["text"], max_chars, "text ")], batch=False)
        note_texts(job.texts)
        return job
    if "texts" not in body:
        raise bad_request("missing_field", '缺少 text 字段，例如 {"text": "这家店很好"}。')
    texts = body["texts"]
    if not isinstance(texts, list):
        raise bad_request("invalid_type", "texts 必须是字符串数组。")
    if not texts:
        raise bad_request("empty_batch", "texts 是空数组，请至少提供一条文本。")
    if len(texts) > max_texts:
        raise bad_request("too_many_texts", f"一次最多 {max_texts} 条文本，收到 {len(texts)} 条。", max_texts=max_texts)
    job = Job([_text(t, max_chars, f"第 {i + 1} 条文本", index=i) for i, t in enumerate(texts)], batch=True)
    note_texts(job.texts)
    return job


@dataclass(frozen=True)
class ClassifyJob:
    """A ``/api/classify`` request: texts and either zero-shot labels or a taught classifier's name."""

    job: Job
    labels: list[str] | None
    classifier: str | None
    template: str | None  # None: the model's default
    multi_label: bool
    threshold: float | None = None  # a taught classifier's: None, its own (from cross-validation)


def header_language_from(value: object) -> str:
    """The language of a tagged file's added column names: ``en`` (the default, machine names) or ``zh``."""
    if value is None or value == "":
        return "en"
    if value not in HEADER_LANGUAGES:
        raise bad_request("invalid_header_language", "header_language 只能是 en（默认，英文列名）或 zh（中文列名）。")
    return value


def threshold_from(value: object) -> float | None:
    """A taught classifier's threshold as a request gives it (a number, or a form's text), 0 to 1; None when absent."""
    if value is None or value == "":
        return None
    try:
        number = float(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not 0 <= number <= 1:
        raise bad_request("invalid_threshold", "threshold 必须是 0 到 1 之间的数（低于它的回答为“其他”）。")
    return number


def classify_job(body: dict, config: Mapping[str, Any]) -> ClassifyJob:
    has_labels, has_classifier = "labels" in body, "classifier" in body
    if has_labels and has_classifier:
        raise bad_request("ambiguous_model", "请只提供 labels（零样本）或 classifier（教过的分类器）中的一个。")
    if not has_labels and not has_classifier:
        raise bad_request("missing_labels", '请提供 labels（例如 ["物流问题", "商品质量"]）或 classifier（分类器名称）。')
    multi_label = body.get("multi_label", False)
    if not isinstance(multi_label, bool):
        raise bad_request("invalid_type", "multi_label 必须是 true 或 false。")
    job = texts_from(body, config["SENTIMENT_MAX_CHARS"], config["SENTIMENT_MAX_TEXTS"])
    try:
        if has_classifier:
            if "hypothesis_template" in body or "multi_label" in body:
                raise bad_request("ambiguous_model", "hypothesis_template 和 multi_label 只用于零样本分类（labels）。")
            if "threshold" in body and body["threshold"] is None:
                raise bad_request("invalid_threshold", "threshold 不能是 null；不需要时请省略它。")
            return ClassifyJob(job, None, check_name(body["classifier"]), None, False, threshold_from(body.get("threshold")))
        if "threshold" in body:
            raise bad_request("ambiguous_model", "threshold 只用于教过的分类器（classifier）。")
        labels = check_labels(body["labels"], multi_label, config["SENTIMENT_MAX_LABELS"])
        return ClassifyJob(job, labels, None, check_template(body.get("hypothesis_template")), multi_label)
    except InvalidLabels as error:
        raise bad_request(error.code, error.message, **error.extra) from None


@dataclass(frozen=True)
class TeachingSet:
    name: str
    rows: list[tuple[object, object]]
    replace: bool


def _flag(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", "on"):
        return True
    if value in (None, "", "false", "0", "off"):
        return False
    raise bad_request("invalid_type", f"{field} 必须是 true 或 false。")


def teaching_set(request: Request) -> TeachingSet:
    """A classifier's name and examples: JSON ``{"name", "examples": [{"text", "label"}]}``, or a form
    with ``name`` and a CSV/XLSX/JSONL ``file`` (its columns guessed as every table's are, ``bulk.columns``)."""
    if request.mimetype == "multipart/form-data":
        form = request.form
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise bad_request("missing_file", "请上传一个 CSV、XLSX 或 JSONL 文件（字段名 file）。")
        if not upload.filename.lower().endswith(SUFFIXES):
            raise bad_request("unsupported_file", "只支持 .csv、.xlsx、.jsonl 文件。")
        try:
            rows = read_labelled_rows(upload.read(), upload.filename, budget=read_budget())
        except TableError as error:
            raise table_error(error) from None
        except ValueError as error:
            raise bad_request("invalid_file", f"文件无法读取：{error}") from None
        name, replace = form.get("name"), _flag(form.get("replace"), "replace")
    else:
        body = json_body(request)
        examples = body.get("examples")
        if not isinstance(examples, list):
            raise bad_request("missing_field", '缺少 examples 数组，例如 [{"text": "快递太慢", "label": "物流问题"}]。')
        rows = []
        for number, example in enumerate(examples, start=1):
            if not isinstance(example, dict):
                raise bad_request("invalid_example", f"第 {number} 条示例必须是含 text 和 label 的对象。", row=number)
            rows.append((example.get("text"), example.get("label")))
        name, replace = body.get("name"), _flag(body.get("replace"), "replace")
    if name is None:
        raise bad_request("missing_field", "缺少分类器名称 name。")
    return TeachingSet(check_name(name), rows, replace)  # a bad name: errors.py answers InvalidName
