"""Jobs over HTTP: ``POST /api/jobs`` (202 at once), ``GET /api/jobs[/<id>]``, ``GET /api/jobs/<id>/result``,
``DELETE /api/jobs/<id>``. The work happens in the job engine, not in the request."""
from __future__ import annotations

import io
from typing import Iterator

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for

from sentiment.bulk.tables import TableError, TableWriter
from sentiment.jobs.store import JobStore, UnknownJob
from sentiment.models.custom.store import InvalidName, UnknownClassifier, check_name
from sentiment.web.bulk import MIMETYPES, OUTPUT_FORMATS, limited, read_upload
from sentiment.web.errors import ApiError, bad_request, unknown_classifier
from sentiment.web.validation import json_body

bp = Blueprint("jobs", __name__)


def _store() -> JobStore:
    return current_app.extensions["jobs"]


def _unknown(job: str) -> ApiError:
    return ApiError(404, "unknown_job", "没有这个任务（可能已过期）。", job=job)


def _described(status: dict) -> dict:
    return {**status, "status_url": url_for("jobs.job", job=status["id"]),
            "result_url": url_for("jobs.result", job=status["id"])}


@bp.post("/api/jobs")
def submit():
    """A file (multipart, as /api/sentiment/file) or JSON ``{"texts": [...]}``; options column, format, classifier."""
    config = current_app.config
    if request.mimetype == "multipart/form-data":
        rows, kind, name = read_upload(config["SENTIMENT_JOB_MAX_BYTES"])
        form = request.form
        options = {"column": form.get("column") or None, "format": form.get("format") or ("xlsx" if kind == "xlsx" else "csv"),
                   "classifier": form.get("classifier") or None, "name": name}
    else:
        body = json_body(request)
        texts = body.get("texts")
        if not isinstance(texts, list) or not texts:
            raise bad_request("missing_field", '请上传文件，或提供 texts（字符串数组）。')
        wrong = next((at for at, text in enumerate(texts) if not isinstance(text, str)), None)
        if wrong is not None:
            raise bad_request("invalid_type", f"第 {wrong + 1} 条文本不是字符串。", index=wrong)
        rows = ({"text": text} for text in texts)
        options = {"column": "text", "format": body.get("format") or "jsonl", "classifier": body.get("classifier"),
                   "name": "texts.jsonl"}
    if options["format"] not in OUTPUT_FORMATS:
        raise bad_request("invalid_format", f"format 只能是 {'、'.join(OUTPUT_FORMATS)}。")
    if options["classifier"]:
        try:
            current_app.extensions["classifiers"].get(check_name(options["classifier"]))
        except (UnknownClassifier, InvalidName):
            raise unknown_classifier(options["classifier"]) from None
    options["chunk_rows"] = config["SENTIMENT_JOB_CHUNK_ROWS"]
    try:
        job = _store().create(limited(rows, config["SENTIMENT_JOB_MAX_ROWS"], "更大的文件请用命令行 `python -m sentiment tag`。"),
                              options, options["chunk_rows"])
    except TableError as error:
        raise bad_request("invalid_file", f"文件无法读取：{error}") from None
    status = _store().status(job)
    if not status["rows_total"]:
        raise bad_request("empty_file", "没有数据行。")
    current_app.extensions["job_engine"].ensure_started()
    return jsonify(_described(status)), 202, {"Location": url_for("jobs.job", job=job)}


@bp.get("/api/jobs")
def recent():
    return jsonify({"jobs": [_described(status) for status in _store().recent()]})


@bp.get("/api/jobs/<job>")
def job(job: str):
    try:
        return jsonify(_described(_store().status(job)))
    except UnknownJob:
        raise _unknown(job) from None


@bp.delete("/api/jobs/<job>")
def cancel(job: str):
    try:
        return jsonify(_described(_store().cancel(job)))
    except UnknownJob:
        raise _unknown(job) from None


@bp.get("/api/jobs/<job>/result")
def result(job: str):
    try:
        status = _store().status(job)
    except UnknownJob:
        raise _unknown(job) from None
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
