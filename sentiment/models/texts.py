"""What counts as a text a model can read, the one rule for every way in (API, page, CLI, evaluate).

A text must be a string, hold something to read, and fit the configured length. Text made only
of whitespace and invisible characters (zero-width spaces, BOMs, control characters) is empty:
a model would still answer it, with a confident label that means nothing. Lone surrogates
(U+D800–U+DFFF), which valid JSON can carry as ``\\ud800`` escapes and a command line can carry
as undecodable bytes, are not characters at all: no tokenizer can encode them, so they are refused
here with their position instead of failing inside the model.
"""
from __future__ import annotations

import unicodedata

# Categories that show nothing on their own: control characters and format characters
# (U+200B zero-width space, U+200C/D joiners, U+2060 word joiner, U+FEFF BOM, ...).
_INVISIBLE = ("Cc", "Cf")


class InvalidText(ValueError):
    """A text no model should be asked about; ``code`` is the API's stable error code."""

    def __init__(self, code: str, message: str, **extra: object):
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


def has_content(text: str) -> bool:
    """True when some character of ``text`` is neither whitespace nor invisible."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE for ch in text)


def check_text(text: object, max_chars: int, where: str, **extra: object) -> str:
    """``text`` itself when a model can read it, else ``InvalidText`` naming ``where`` it came from."""
    if not isinstance(text, str):
        raise InvalidText("invalid_type", f"{where}必须是字符串。", **extra)
    try:
        text.encode()
    except UnicodeEncodeError as error:
        raise InvalidText(
            "invalid_unicode",
            f"{where}第 {error.start + 1} 个字符不是有效的 Unicode 字符（单独的代理项 "
            f"U+{ord(text[error.start]):04X}），请检查文本的编码。",
            position=error.start, **extra,
        ) from None
    if not has_content(text):
        raise InvalidText("empty_text", f"{where}是空的，请输入要分析的内容。", **extra)
    if len(text) > max_chars:
        raise InvalidText("text_too_long", f"{where}太长（{len(text)} 字），上限是 {max_chars} 字。",
                          max_chars=max_chars, **extra)
    return text
