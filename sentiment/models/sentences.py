"""Where a text's sentences and clauses are, as character offsets into the text exactly as it was sent.

A shop owner acts on "the food was praised but there was a hair in it", which one label for the whole
text hides. So a text is cut at sentence ends (。！？!?；; … and line breaks, with the closing quotes and
brackets that follow them) and before a turn (但是, 可是, 不过, 然而, 就是, 只是, 但, 可惜) where it starts a
clause, after a comma or a space: 煲仔饭一如既往的好吃，但是鸡煲味道一般! is two clauses, and the comma
stays with the first. Offsets count Unicode code points (Python's ``str`` indices): ``text[start:end]``
is the sentence, with emoji, combining marks and CRLF alike (a cut never falls between CR and LF or
inside a run of punctuation). Surrounding whitespace is left out of each span; a piece with nothing to
read (a lone "!!", an emoji-free run of spaces) joins the sentence before it.
"""
from __future__ import annotations

import re

from sentiment.models.texts import has_content

_ENDS = "。！？!?；;…\r\n"
_CLOSERS = "”’」』）)》】\"'"
TURNS = ("但是", "可是", "不过", "然而", "就是", "只是", "可惜", "但")
_SENTENCE_END = re.compile(f"[{re.escape(_ENDS)}]+[{re.escape(_CLOSERS)}]*")
_TURN = re.compile(f"(?<=[，,、\\s])(?:{'|'.join(TURNS)})")
_COMMA = re.compile(r"[，,、\s]+")


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def cut(text: str, commas: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each sentence or clause of ``text``, in order; a text with nothing to read has none.
    With ``commas``, also after every comma, enumeration comma and space: the finer clauses that
    aspects are read from (环境不错，服务一般 speaks of two things)."""
    bounds = sorted({0, len(text), *(m.end() for m in _SENTENCE_END.finditer(text)),
                     *(m.start() for m in _TURN.finditer(text)),
                     *(m.end() for m in _COMMA.finditer(text) if commas)})
    spans: list[tuple[int, int]] = []
    for start, end in zip(bounds, bounds[1:]):
        start, end = _strip(text, start, end)
        if start == end:
            continue
        if spans and not has_content(text[start:end]):
            spans[-1] = (spans[-1][0], end)  # "!!" or an emoji-free leftover belongs to what precedes it
        else:
            spans.append((start, end))
    if len(spans) > 1 and not has_content(text[spans[0][0]:spans[0][1]]):
        spans[:2] = [(spans[0][0], spans[1][1])]  # nothing readable before the first sentence
    return spans
