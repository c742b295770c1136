"""JSON errors for the API: one exception type, one place that turns failures into responses.

Every error body is ``{"error": <Chinese message for people>, "code": <stable id for programs>}``;
nothing ever answers with a stack trace.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from sentiment.bulk.budget import ReadBudget, TableError
from sentiment.models.aspects.sets import InvalidAspectSet, UnknownAspectSet
from sentiment.models.custom.store import InvalidName
from sentiment.models.deadline import OutOfTime
from sentiment.models.backends import BUNDLED_MODELS
from sentiment.models.model_slot import ModelNotReady, UnknownModel

log = logging.getLogger(__name__)

# Werkzeug's HTTP errors that clients can cause, as our codes and messages.
_HTTP = {
    400: ("bad_request", "请求格式不正确。"),
    404: ("not_found", "没有这个接口，请检查地址。"),
    405: ("method_not_allowed", "不支持这种请求方法。"),
    413: ("payload_too_large", "请求内容太大。"),
    415: ("unsupported_media_type", "请以 JSON 格式（Content-Type: application/json）发送。"),
}


class ApiError(Exception):
    """A client or availability error with its HTTP status, stable code and message."""

    def __init__(self, status: int, code: str, message: str, **extra: object):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self):
        return jsonify({"error": self.message, "code": self.code, **self.extra}), self.status


def bad_request(code: str, message: str, **extra: object) -> ApiError:
    return ApiError(400, code, message, **extra)


def table_error(error: TableError) -> ApiError:
    """A file that cannot be read (400 ``invalid_file``) or crosses a reading bound (413, its own code)."""
    message = f"文件无法读取：{error}" if error.status == 400 else str(error)
    return ApiError(error.status, error.code, message, **error.extra)


def read_budget(cells: int | None = None) -> ReadBudget:
    """What reading one upload may cost in this request (``bulk.budget``): the file routes' cell budget
    unless a route gives its own, and the request's time budget."""
    config = current_app.config
    return ReadBudget.from_config(config, config["SENTIMENT_MAX_FILE_CELLS"] if cells is None else cells,
                                  config["SENTIMENT_REQUEST_SECONDS"])


def unknown_classifier(name: str) -> ApiError:
    return ApiError(404, "unknown_classifier", f"没有名为“{name}”的分类器。", classifier=name)


def unavailable(error: ModelNotReady) -> ApiError:
    """The 503 for a model still loading or failed to load; clients retry on ``model_not_ready``."""
    return ApiError(503, "model_not_ready", str(error))


def deadline() -> float:
    """This request's time budget, as the models check it (``time.monotonic()`` seconds)."""
    return time.monotonic() + current_app.config["SENTIMENT_REQUEST_SECONDS"]


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/health", "/ready")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error.response()

    @app.after_request
    def json_options(response):
        """Flask answers OPTIONS (a CORS preflight) itself with an empty HTML body; on /api/* every answer
        is JSON, so it says which methods the route takes."""
        if request.method == "OPTIONS" and request.path.startswith("/api/") and response.mimetype == "text/html":
            allowed = [method.strip() for method in response.headers.get("Allow", "").split(",") if method.strip()]
            response.set_data(jsonify({"allow": allowed}).get_data())
            response.mimetype = "application/json"
        return response

    @app.errorhandler(InvalidName)
    def invalid_name(error: InvalidName):
        return bad_request("invalid_name", str(error)).response()

    @app.errorhandler(InvalidAspectSet)
    def invalid_aspect_set(error: InvalidAspectSet):
        return bad_request(error.code, error.message).response()

    @app.errorhandler(UnknownAspectSet)
    def unknown_aspect_set(error: UnknownAspectSet):
        return ApiError(404, "unknown_aspect_set", f"没有名为“{error.args[0]}”的类别集。").response()

    @app.errorhandler(OutOfTime)
    def out_of_time(error: OutOfTime):
        limit = app.config["SENTIMENT_REQUEST_SECONDS"]
        return ApiError(503, "request_timeout", f"处理超过了 {limit:g} 秒的上限，已停止。请减少文本的数量或长度，"
                        "大文件请用后台任务（/api/jobs）。", max_seconds=limit).response()

    @app.errorhandler(ModelNotReady)
    def model_not_ready(error: ModelNotReady):
        return unavailable(error).response()

    @app.errorhandler(UnknownModel)
    def unknown_model(error: UnknownModel):
        return bad_request("unknown_model", f"没有名为“{error}”的模型；可选：{'、'.join(BUNDLED_MODELS)}。",
                           models=list(BUNDLED_MODELS)).response()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if not _wants_json():
            return error
        code, message = _HTTP.get(error.code or 500, ("http_error", error.description or "请求失败。"))
        if error.code == 413:  # the request's own limit: file uploads have a larger one than JSON
            limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
            message = f"请求内容太大（上限 {limit // 1024} KB）。"
        response = ApiError(error.code or 500, code, message).response()[0]
        response.status_code = error.code or 500
        if error.code == 405 and isinstance(error.valid_methods, list):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return ApiError(500, "internal_error", "服务器内部错误，请稍后再试。").response()
