"""``python -m sentiment evaluate``: how well the configured model does on a user's own labelled reviews.

A small business labels a hundred of its own reviews and learns whether to trust the
service: accuracy, macro-F1, the confusion matrix, the mistakes the model was surest
about, and throughput, for whichever backend the environment selects.
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

from sentiment.evaluation.metrics import accuracy, confusion, macro_f1
from sentiment.models.answer import polarity
from sentiment.models.service import SentimentService
from sentiment.models.texts import InvalidText, check_text

_BINARY_CODES = {"0": "Negative", "1": "Positive"}
# The usual ways reviews are labelled, beside the model's own labels and 0/1 (README, "evaluate").
_WORDS = {"好评": "Positive", "中评": "Neutral", "差评": "Negative", "正": "Positive", "负": "Negative",
          "中": "Neutral", "pos": "Positive", "neg": "Negative", "neu": "Neutral", "积极": "Positive",
          "消极": "Negative", "好": "Positive", "差": "Negative", "推荐": "Positive", "不推荐": "Negative"}
# Star ratings, when a file's labels are whole numbers from 1 to 5 (not only 0 and 1): 1–2 stars are
# negative, 3 neutral, 4–5 positive; "4星", "4 stars", "4分" and "★★★★" are read as 4.
_STARS = {1: "Negative", 2: "Negative", 3: "Neutral", 4: "Positive", 5: "Positive"}
_STAR = re.compile(r"^\s*(?:([1-5])\s*(?:星|颗星|分|stars?)?|(★{1,5}))\s*$", re.IGNORECASE)


class LabelError(ValueError):
    """A label in the user's file that the model cannot be scored against."""


class Unscorable(ValueError):
    """A row whose label the model has no label for (中评 against a model without 中性): skipped, and said."""


def _stars(raw: str) -> int | None:
    match = _STAR.match(raw)
    if match is None:
        return None
    return int(match.group(1)) if match.group(1) else len(match.group(2))


def label_mapper(model_labels: Sequence[str], file_labels: Sequence[str] = ()) -> Callable[[str], str]:
    """Map a file's label to a model label: the model's own labels, 0/1, polarity words (positive, 负面),
    好评/中评/差评, 正/负, pos/neg, or star ratings (when the file's labels are 1–5, not only 0 and 1)."""
    by_polarity = {polarity(label): label for label in model_labels if polarity(label)}
    values = {str(label).strip() for label in file_labels}
    stars = bool(values) and all(_stars(v) for v in values) and not values <= set(_BINARY_CODES)

    def to_model_label(raw: str) -> str:
        value = raw.strip()
        if value in model_labels:
            return value
        if stars:
            wanted = _STARS[_stars(value)]
        else:
            wanted = _BINARY_CODES.get(value) or _WORDS.get(value.lower()) or polarity(value)
        if wanted in by_polarity:
            return by_polarity[wanted]
        if wanted == "Neutral":
            raise Unscorable(f"标签“{raw}”是中性的，而模型没有“中性”这一类（用三分类模型可以评估它）")
        raise LabelError(f"标签“{raw}”无法识别：可以是 0/1、好评/中评/差评、正/负、1–5 星，或模型自己的标签"
                         f"（{'、'.join(model_labels)}）")

    return to_model_label


@dataclass
class Report:
    model: str
    labels: list[str]
    count: int
    accuracy: float
    macro_f1: float
    confusion: list[list[int]]  # rows: true label, columns: predicted label
    texts_per_second: float
    worst_mistakes: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # rows not scored, each with its row number and why

    def as_dict(self) -> dict:
        return asdict(self)

    def as_text(self) -> str:
        width = max(len(label) for label in self.labels) + 2
        lines = [
            f"模型：{self.model}",
            f"评论数：{self.count}",
            f"准确率：{self.accuracy:.2%}",
            f"宏平均 F1：{self.macro_f1:.2%}",
            f"速度：每秒 {self.texts_per_second:.1f} 条",
            *(f"跳过第 {s['row']} 行：{s['error']}" for s in self.skipped),
            "",
            "混淆矩阵（行：真实标签，列：模型的回答）",
            " " * width + "".join(label.rjust(width) for label in self.labels),
        ]
        for label, row in zip(self.labels, self.confusion):
            lines.append(label.rjust(width) + "".join(str(n).rjust(width) for n in row))
        if self.worst_mistakes:
            lines += ["", "模型最有把握却答错的评论："]
            for m in self.worst_mistakes:
                text = m["text"] if len(m["text"]) <= 60 else m["text"][:57] + "…"
                lines.append(f"  [{m['confidence']:.2f}] 应为 {m['true']}，模型答 {m['predicted']}：{text}")
        return "\n".join(lines)


def evaluate(
    service: SentimentService,
    rows: Sequence[tuple[str, str]],
    max_chars: int,
    chunk: int = 64,
    progress: Callable[[int], None] = lambda n: None,
    worst: int = 10,
) -> Report:
    """Score ``(text, label)`` rows; ``progress`` is told how many texts each chunk finished.

    Every label is checked before any model time is spent; texts the API would refuse
    (empty, too long) are listed in ``skipped`` with their row number, not scored."""
    labels = list(service.backend.labels)
    to_model_label = label_mapper(labels, [label for _, label in rows])
    truth, texts, skipped = [], [], []
    for row, (text, label) in enumerate(rows, start=1):
        try:
            expected = to_model_label(label)
        except Unscorable as error:
            skipped.append({"row": row, "error": str(error), "code": "neutral_label"})
            continue
        try:
            texts.append(check_text(text, max_chars, "text "))
            truth.append(expected)
        except InvalidText as error:
            skipped.append({"row": row, "error": error.message, "code": error.code})
    progress(len(skipped))
    answers: list[dict] = []
    started = time.perf_counter()
    for start in range(0, len(texts), chunk):
        answers += service.analyse(texts[start : start + chunk])
        progress(min(chunk, len(texts) - start))
    elapsed = time.perf_counter() - started
    predicted = [a["label"] for a in answers]
    mistakes = sorted(
        ({"text": a["text"], "true": t, "predicted": a["label"], "confidence": a["confidence"]}
         for a, t in zip(answers, truth) if a["label"] != t),
        key=lambda m: -m["confidence"],
    )
    return Report(
        model=service.backend.name,
        labels=labels,
        count=len(texts),
        accuracy=round(accuracy(truth, predicted), 4),
        macro_f1=round(macro_f1(truth, predicted, labels), 4),
        confusion=confusion(truth, predicted, labels),
        texts_per_second=round(len(texts) / elapsed, 1) if elapsed > 0 else 0.0,
        worst_mistakes=mistakes[:worst],
        skipped=skipped,
    )
