"""Turn an API request body into the list of texts to classify, or say exactly what is wrong.

Checks run in the order a client would fix them: content type, JSON syntax, shape,
types, then each text's content and length. A bad text in a batch names its index,
so nothing is dropped silently.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Request

from sentiment.errors import ApiError


@dataclass(frozen=True)
class Job:
    texts: list[str]
    batch: bool  # answer {"results": [...]} rather than a single result


def _bad(code: str, message: str, **extra: object) -> ApiError:
    return ApiError(400, code, message, **extra)


def check_text(text: object, max_chars: int, where: str, **extra: object) -> str:
    if not isinstance(text, str):
        raise _bad("invalid_type", f"{where}必须是字符串。", **extra)
    if not text.strip():
        raise _bad("empty_text", f"{where}是空的，请输入要分析的内容。", **extra)
    if len(text) > max_chars:
        raise _bad("text_too_long", f"{where}太长（{len(text)} 字），上限是 {max_chars} 字。",
                   max_chars=max_chars, **extra)
    return text


def parse_job(request: Request, max_chars: int, max_texts: int) -> Job:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "请以 JSON 格式（Content-Type: application/json）发送。")
    try:
        body = json.loads(request.get_data())
    except (ValueError, UnicodeDecodeError):
        raise _bad("invalid_json", "请求内容不是有效的 JSON。") from None
    if not isinstance(body, dict):
        raise _bad("invalid_type", '请求内容必须是 JSON 对象，例如 {"text": "..."}。')
    if "text" in body and "texts" in body:
        raise _bad("ambiguous_input", "请只提供 text（单条）或 texts（多条）中的一个。")
    if "text" in body:
        return Job([check_text(body["text"], max_chars, "text ")], batch=False)
    if "texts" not in body:
        raise _bad("missing_field", '缺少 text 字段，例如 {"text": "这家店很好"}。')
    texts = body["texts"]
    if not isinstance(texts, list):
        raise _bad("invalid_type", "texts 必须是字符串数组。")
    if not texts:
        raise _bad("empty_batch", "texts 是空数组，请至少提供一条文本。")
    if len(texts) > max_texts:
        raise _bad("too_many_texts", f"一次最多 {max_texts} 条文本，收到 {len(texts)} 条。", max_texts=max_texts)
    return Job([check_text(t, max_chars, f"第 {i + 1} 条文本", index=i) for i, t in enumerate(texts)], batch=True)
