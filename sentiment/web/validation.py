"""Turn an API request body into the list of texts to classify, or say exactly what is wrong.

Checks run in the order a client would fix them: content type, encoding and JSON syntax,
shape, types, then each text by the models' own rule (``sentiment.models.texts``). A bad
text in a batch names its index, so nothing is dropped silently.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Request
from werkzeug.exceptions import UnsupportedMediaType

from sentiment.models.texts import InvalidText, check_text
from sentiment.web.errors import ApiError


@dataclass(frozen=True)
class Job:
    texts: list[str]
    batch: bool  # answer {"results": [...]} rather than a single result


def _bad(code: str, message: str, **extra: object) -> ApiError:
    return ApiError(400, code, message, **extra)


def _text(text: object, max_chars: int, where: str, **extra: object) -> str:
    try:
        return check_text(text, max_chars, where, **extra)
    except InvalidText as error:
        raise _bad(error.code, error.message, **error.extra) from None


def _body(request: Request) -> object:
    """The parsed JSON body. Only UTF-8 is read (RFC 8259; a UTF-8 BOM is tolerated): ``json.loads``
    on bytes would guess UTF-16 or UTF-32 too, and answer for a body the documentation refuses."""
    try:
        return json.loads(request.get_data().decode("utf-8-sig"))  # pragma: no mutate: codec names ignore case
    except UnicodeDecodeError:
        raise _bad("invalid_json", "请求内容必须是 UTF-8 编码的 JSON。") from None
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested thousands deep
        raise _bad("invalid_json", "请求内容不是有效的 JSON。") from None


def parse_job(request: Request, max_chars: int, max_texts: int) -> Job:
    if not request.is_json:
        raise UnsupportedMediaType()  # answered by errors.py with the one 415 body
    body = _body(request)
    if not isinstance(body, dict):
        raise _bad("invalid_type", '请求内容必须是 JSON 对象，例如 {"text": "..."}。')
    if "text" in body and "texts" in body:
        raise _bad("ambiguous_input", "请只提供 text（单条）或 texts（多条）中的一个。")
    if "text" in body:
        return Job([_text(body["text"], max_chars, "text ")], batch=False)
    if "texts" not in body:
        raise _bad("missing_field", '缺少 text 字段，例如 {"text": "这家店很好"}。')
    texts = body["texts"]
    if not isinstance(texts, list):
        raise _bad("invalid_type", "texts 必须是字符串数组。")
    if not texts:
        raise _bad("empty_batch", "texts 是空数组，请至少提供一条文本。")
    if len(texts) > max_texts:
        raise _bad("too_many_texts", f"一次最多 {max_texts} 条文本，收到 {len(texts)} 条。", max_texts=max_texts)
    return Job([_text(t, max_chars, f"第 {i + 1} 条文本", index=i) for i, t in enumerate(texts)], batch=True)
