"""Jobs over HTTP: ``POST /api/jobs`` (202 at once), ``GET /api/jobs[/<id>]``, ``GET /api/jobs/<id>/result``,
``DELETE /api/jobs/<id>``. The work happens in the job engine, not in the request."""
from __future__ import annotations

import io
import itertools
import re
from typing import Any, Iterable, Iterator

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for

from sentiment.bulk.tables import TableError, TableWriter
from sentiment.bulk.columns import SAMPLE_ROWS, MissingColumn, text_column
from sentiment.jobs.store import JobStore, UnknownJob
from sentiment.models.backends import BUNDLED_MODELS
from sentiment.models.custom.fixed_labels import FixedLabels
from sentiment.models.custom.generative import UnsupportedOption
from sentiment.models.custom.label_set import InvalidLabels, check_labels, check_template
from sentiment.models.custom.store import InvalidName, UnknownClassifier, check_name
from sentiment.models.custom.zero_shot_slot import ZeroShotUnavailable
from sentiment.models.model_slot import UnknownModel
from sentiment.web.bulk import MIMETYPES, OUTPUT_FORMATS, limited, read_upload
from sentiment.web.errors import ApiError, bad_request, table_error, unknown_classifier
from sentiment.web import tenancy
from sentiment.web.validation import header_language_from, json_body, threshold_from

bp = Blueprint("jobs", __name__)
XLSX_ROWS = 1_048_575  # a worksheet's rows, less its header: a larger result could not be written as XLSX


def _store() -> JobStore:
    return current_app.extensions["jobs"]


def _unknown(job: str) -> ApiError:
    return ApiError(404, "unknown_job", "没有这个任务（可能已过期）。", job=job)


def _status(job: str) -> dict:
    """A job this request may see (``tenancy``): another key's job is unknown here."""
    try:
        status = _store().status(job)
    except UnknownJob:
        raise _unknown(job) from None
    if not tenancy.may_see(status["owner"]):
        raise _unknown(job)
    return status


def _described(status: dict) -> dict:
    return {**status, "status_url": url_for("jobs.job", job=status["id"]),
            "result_url": url_for("jobs.result", job=status["id"])}


def _form_labels() -> list[str] | None:
    """Labels from a form: repeated ``labels`` fields, or one field separated by commas (， too) or lines."""
    values = request.form.getlist("labels")
    if len(values) == 1:
        values = re.split(r"[,，\n]", values[0])
    return values or None


def _form_flag(name: str) -> bool:
    value = request.form.get(name, "false").strip().lower()
    if value not in ("true", "false", "1", "0", ""):
        raise bad_request("invalid_type", f"{name} 必须是 true 或 false。")
    return value in ("true", "1")


def _check_model(options: dict[str, Any]) -> None:
    """The second set of columns the job asked for, refused now if it cannot be had."""
    if options["classifier"] is not None and options["labels"] is not None:
        raise bad_request("ambiguous_model", "请只提供 labels（零样本）或 classifier（教过的分类器）中的一个。")
    if options["classifier"] is not None:
        try:
            tenancy.classifier(check_name(options["classifier"]))
        except (UnknownClassifier, InvalidName):
            raise unknown_classifier(options["classifier"]) from None
    elif options["labels"] is not None:
        if options["threshold"] is not None:
            raise bad_request("ambiguous_model", "threshold 只用于教过的分类器（classifier）。")
        if not isinstance(options["multi_label"], bool):
            raise bad_request("invalid_type", "multi_label 必须是 true 或 false。")
        try:
            options["labels"] = check_labels(options["labels"], options["multi_label"],
                                             current_app.config["SENTIMENT_MAX_LABELS"])
            options["template"] = check_template(options["template"])
            FixedLabels(current_app.extensions["zero_shot"].get(), options["labels"], options["template"],
                        options["multi_label"])
        except InvalidLabels as error:
            raise bad_request(error.code, error.message, **error.extra) from None
        except UnsupportedOption as error:
            raise bad_request(error.code, str(error)) from None
        except ZeroShotUnavailable as error:
            raise ApiError(409, "zero_shot_unavailable", str(error), how=error.how) from None


def _with_text_column(rows: Iterable[dict], options: dict) -> Iterator[dict]:
    """The rows, once the first ones have shown where the texts are: a wrong column is refused now, not when
    the job runs, and the column guessed from them (``bulk.columns``) is the job's, for every chunk."""
    rows = iter(rows)
    try:
        first = list(itertools.islice(rows, SAMPLE_ROWS))
    except TableError as error:
        raise table_error(error) from None
    if not first:
        raise bad_request("empty_file", "没有数据行。")
    try:
        options["column"] = text_column(first, options["column"])
    except MissingColumn as error:
        raise bad_request("missing_column", error.message, columns=error.available) from None
    return itertools.chain(first, rows)


@bp.post("/api/jobs")
def submit():
    """A file (multipart, as /api/sentiment/file) or JSON ``{"texts": [...]}``; options column, format, model
    (a bundled model other than the served one, e.g. ``bundled-fast`` for a large file), a second set of columns: ``classifier`` (taught) or ``labels`` (zero-shot, with ``multi_label`` and
    ``hypothesis_template``), and ``aspects`` (an aspect set's id: a column per category).
    ---
    post:
      summary: Start a job (202 at once)
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              allOf:
                - {$ref: '#/components/schemas/FileUpload'}
                - {type: object, properties: {labels: {type: string, description: 'repeated, or one field: a,b,c'}, multi_label: {type: string}, hypothesis_template: {type: string}, model: {$ref: '#/components/schemas/ModelName'}, aspects: {type: string}}}
          application/json:
            schema: {$ref: '#/components/schemas/JobInput'}
      responses:
        202: {description: 'the job, queued', content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
    """
    config = current_app.config
    if request.mimetype == "multipart/form-data":
        rows, kind, name = read_upload(config["SENTIMENT_JOB_MAX_BYTES"], config["SENTIMENT_JOB_MAX_CELLS"])
        form = request.form
        options = {"column": form.get("column") or None, "format": form.get("format") or ("xlsx" if kind == "xlsx" else "csv"),
                   "classifier": form.get("classifier") or None, "name": name, "labels": _form_labels(),
                   "multi_label": _form_flag("multi_label"), "template": form.get("hypothesis_template") or None,
                   "model": form.get("model") or None, "aspects": form.get("aspects") or None,
                   "threshold": threshold_from(form.get("threshold")),
                   "header_language": header_language_from(form.get("header_language"))}
    else:
        body = json_body(request)
        empty = next((key for key in ("format", "classifier", "labels", "multi_label", "hypothesis_template", "model",
                                      "aspects", "threshold", "header_language")
                      if key in body and body[key] is None), None)
        if empty:  # null is not "absent": the document says what each field may be
            raise bad_request("invalid_type", f"{empty} 不能是 null；不需要时请省略它。")
        texts = body.get("texts")
        if not isinstance(texts, list) or not texts:
            raise bad_request("missing_field", '请上传文件，或提供 texts（字符串数组）。')
        wrong = next((at for at, text in enumerate(texts) if not isinstance(text, str)), None)
        if wrong is not None:
            raise bad_request("invalid_type", f"第 {wrong + 1} 条文本不是字符串。", index=wrong)
        rows = ({"text": text} for text in texts)
        options = {"column": "text", "format": body.get("format", "jsonl"), "classifier": body.get("classifier"),
                   "name": "texts.jsonl", "labels": body.get("labels"), "multi_label": body.get("multi_label", False),
                   "template": body.get("hypothesis_template"), "model": body.get("model"),
                   "aspects": body.get("aspects"), "threshold": threshold_from(body.get("threshold")),
                   "header_language": header_language_from(body.get("header_language"))}
    if options["format"] not in OUTPUT_FORMATS:
        raise bad_request("invalid_format", f"format 只能是 {'、'.join(OUTPUT_FORMATS)}。")
    _check_model(options)
    if options["model"] is not None:
        if not isinstance(options["model"], str):
            raise bad_request("invalid_type", "model 必须是模型名称（字符串）。")
        if options["model"] not in BUNDLED_MODELS:  # by name: loading it is the engine's (a Celery worker's) work
            raise UnknownModel(options["model"])
    if options["aspects"] is not None:  # by id, checked now: a job may not use another key's set
        options["aspects"] = tenancy.aspect_set(options["aspects"]).id
    rows = _with_text_column(rows, options)
    options["chunk_rows"] = config["SENTIMENT_JOB_CHUNK_ROWS"]
    most, hint = config["SENTIMENT_JOB_MAX_ROWS"], "更大的文件请用命令行 `python -m sentiment tag`。"
    if options["format"] == "xlsx" and most > XLSX_ROWS:
        most, hint = XLSX_ROWS, "Excel 工作表最多 1048575 行数据；更大的文件请选 format=csv 或 jsonl。"
    try:
        job = _store().create(limited(rows, most, hint), options, options["chunk_rows"], tenancy.owner())
    except TableError as error:
        raise table_error(error) from None
    current_app.extensions["job_engine"].ensure_started()
    return jsonify(_described(_store().status(job))), 202, {"Location": url_for("jobs.job", job=job)}


@bp.get("/api/jobs")
def recent():
    """The most recent jobs, newest first.
    ---
    get:
      summary: List recent jobs
      responses:
        200: {description: 'jobs', content: {application/json: {schema: {type: object, required: [jobs], properties: {jobs: {type: array, items: {$ref: '#/components/schemas/Job'}}}}}}}
    """
    mine = None if tenancy.is_admin() else tenancy.owner()
    return jsonify({"jobs": [_described(status) for status in _store().recent(owner=mine)]})


@bp.get("/api/jobs/<job>")
def job(job: str):
    """A job's state, progress, rate and time left.
    ---
    get:
      summary: A job's status
      responses:
        200: {description: 'the job', content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
    """
    return jsonify(_described(_status(job)))


@bp.delete("/api/jobs/<job>")
def cancel(job: str):
    """Delete a job with its rows at once, cancelling it first if it is still queued or running; it is
    unknown from then on. The answer is its last status (``state`` cancelled if it was still going).
    ---
    delete:
      summary: Cancel and delete a job
      responses:
        200: {description: 'the job as it ended, with deleted true', content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
    """
    status = _status(job)
    if not tenancy.may_change(status["owner"]):
        raise ApiError(403, "forbidden", "这个任务是共享的，只有管理员密钥可以取消或删除它。")
    try:
        if status["state"] in ("queued", "running"):
            status = _store().cancel(job)
        _store().delete(job)
    except UnknownJob:  # deleted by a request beside this one
        raise _unknown(job) from None
    return jsonify({**_described(status), "deleted": True})


@bp.get("/api/jobs/<job>/result")
def result(job: str):
    """The tagged file, streamed, every row in order.
    ---
    get:
      summary: A finished job's tagged file
      responses:
        200: {description: 'the file (CSV with BOM, XLSX or JSON lines)'}
    """
    status = _status(job)
    if status["state"] != "done":
        raise ApiError(409, "job_not_done", f"任务还没有完成（{status['state']}，{status['rows_done']}/{status['rows_total']} 行）。",
                       state=status["state"])
    kind = status["options"]["format"]
    store = _store()

    def chunks() -> Iterator[bytes]:
        """The file in pieces of about 1,000 rows, so a 100,000-row result never sits in memory (XLSX does)."""
        buffer = io.BytesIO()
        writer = TableWriter(buffer, kind)
        for at, row in enumerate(store.result(job), start=1):
            writer.write(row)
            if kind != "xlsx" and at % 1000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        writer.close()
        yield buffer.getvalue()

    stem = status["options"]["name"].rsplit(".", 1)[0] or "reviews"
    return Response(stream_with_context(chunks()), mimetype=MIMETYPES[kind],
                    headers={"Content-Disposition": f"attachment; filename=\"tagged.{kind}\"; "
                                                    f"filename*=UTF-8''{_quoted(stem)}.tagged.{kind}"})


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
