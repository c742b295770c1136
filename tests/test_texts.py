"""The one rule for what a model may be asked to read, shared by the API, the CLI and evaluate."""
from __future__ import annotations

import pytest

from sentiment.models.texts import InvalidText, check_text, has_content


@pytest.mark.parametrize("text, readable", [
    ("好", True), (" 好 ", True), ("\u200b好", True), ("👍", True), ("e\u0301", True),
    ("", False), (" \t\n\u3000", False), ("\u200b\u200c\u200d\u2060\ufeff", False), ("\x00\x07\x1b", False),
])
def test_has_content(text, readable):
    assert has_content(text) is readable


def test_a_readable_text_comes_back_unchanged():
    assert check_text(" 好评\u200b ", 10, "text ") == " 好评\u200b "


@pytest.mark.parametrize("text, code, extra", [
    (5, "invalid_type", {"index": 3}),
    ("好\udc80", "invalid_unicode", {"position": 1, "index": 3}),
    ("\u200b", "empty_text", {"index": 3}),
    ("好" * 11, "text_too_long", {"max_chars": 10, "index": 3}),
])
def test_each_refusal_has_its_code_message_and_where(text, code, extra):
    with pytest.raises(InvalidText) as refused:
        check_text(text, 10, "第 4 条文本", index=3)
    assert refused.value.code == code and refused.value.extra == extra
    assert str(refused.value) == refused.value.message and refused.value.message.startswith("第 4 条文本")
