"""Which columns of a table hold the texts and the labels when the user does not say, for every way in
(the page, ``/api/sentiment/file``, jobs, ``tag``, ``teach``, ``evaluate``): one rule, here.

A shop's export has 订单号, 评价, 星级: the first column is not the text, and a header may be any word
(评价, 评语, 留言 …). So the text column is the one whose cells read most like prose: filled, mostly
letters or Chinese characters rather than digits and codes, long, and not a handful of values repeated
(``prose``); a usual text header (``TEXT_NAMES``) adds half again, so two prose-like columns are told apart
by their names. The label column, for teaching and scoring, is a usual label header, else the column
with the fewest distinct short values that is not the text. A column the user names always wins.
"""
from __future__ import annotations

import math
from typing import Sequence

TEXT_NAMES = ("text", "review", "content", "comment", "文本", "评论", "内容", "评价", "评语", "点评", "留言", "反馈",
              "意见", "评价内容", "评论内容", "买家评价", "用户评价")
LABEL_NAMES = ("label", "category", "cat", "subject", "sentiment", "标签", "类别", "分类", "情感", "倾向", "极性")
SAMPLE_ROWS = 200  # rows a guess looks at
MIN_PROSE = 0.1  # below this no column reads like text (codes such as A1000 score 0.07, 好评 0.2)


class MissingColumn(ValueError):
    """The table has no column of that name, or none that reads like text; the message lists those it has."""

    def __init__(self, column: str | None, available: Sequence[str], what: str = "文本"):
        self.column, self.available, self.what = column, [str(name) for name in available], what
        self.message = self.say("column" if what == "文本" else "label_column")
        super().__init__(self.message)

    def say(self, option: str) -> str:
        """The message, naming the option as the user types it (``column`` in a request, ``--column`` on the CLI)."""
        wanted = f"没有名为“{self.column}”的列" if self.column else f"找不到像是{self.what}的列"
        return f"{wanted}；文件的列是：{'、'.join(self.available) or '（无）'}。请用 {option} 指定{self.what}所在的列。"


def _cells(rows: Sequence[dict], column: str) -> list[str]:
    return [str(value).strip() for row in rows[:SAMPLE_ROWS] if (value := row.get(column)) is not None]


def prose(rows: Sequence[dict], column: str) -> float:
    """How much a column's cells read like prose, 0 (empty, numbers, codes) upward."""
    cells = _cells(rows, column)
    filled = [cell for cell in cells if cell]
    if not filled:
        return 0.0
    characters = "".join(filled)
    wordy = sum(ch.isalpha() for ch in characters) / len(characters)  # Chinese characters count as letters
    mean_length = sum(min(len(cell), 200) for cell in filled) / len(filled)
    varied = min(1.0, 3 * len(set(filled)) / len(filled))  # repeats (默认好评) are fine; a handful of values is a category
    return len(filled) / max(len(rows[:SAMPLE_ROWS]), 1) * wordy * varied * math.log1p(mean_length) / math.log1p(200)


def text_column(rows: Sequence[dict], column: str | None) -> str:
    """The column named, or the one that reads most like prose (``MissingColumn`` when none does)."""
    names = list(rows[0]) if rows else []
    if column:
        if column not in names:
            raise MissingColumn(column, names)
        return column
    read = {name: prose(rows, name) for name in names}
    best = max(names, key=lambda name: read[name] * (1.5 if _named_text(name) else 1.0), default=None)
    # A column named as text, or the only one, is the text whatever it holds (1,500 times 很好 too).
    if best is None or (read[best] < MIN_PROSE and not _named_text(best) and len(names) > 1):
        raise MissingColumn(None, names)
    return best


def _named_text(name: object) -> bool:
    return str(name).strip().lower() in TEXT_NAMES


def label_column(rows: Sequence[dict], column: str | None, text: str) -> str:
    """The column named, a usual label header, or the short column with the fewest distinct values."""
    names = list(rows[0]) if rows else []
    if column:
        if column not in names:
            raise MissingColumn(column, names, "标签")
        return column
    named = next((name for name in names if str(name).strip().lower() in LABEL_NAMES and name != text), None)
    if named is not None:
        return named
    candidates = [name for name in names if name != text and all(len(cell) <= 20 for cell in _cells(rows, name))
                  and any(_cells(rows, name))]
    if not candidates:
        raise MissingColumn(None, names, "标签")
    return min(candidates, key=lambda name: len(set(_cells(rows, name))))
