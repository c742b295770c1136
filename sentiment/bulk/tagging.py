"""The model's columns added to every row of a table, in batches, keeping every row and column.

Output columns: ``label``, ``polarity`` (Positive/Negative/Neutral, empty where the label has none),
``confidence``, one ``score_<label>`` per label of the model, ``reason`` (the sentence that decided the
verdict, ``explain.reason``), ``mixed`` (sentences that confidently disagree), and ``error``: a row whose
text the model cannot read (empty, unreadable) keeps its place with the reason there instead of being dropped.
If the input already has one of these column names, every added column is prefixed ``model_``.
A taught classifier can add a second set: ``<name>_label``, ``<name>_confidence`` and one
``<name>_score_<label>`` per label of its own; its label is 其他 below its threshold (its own, from
cross-validation, unless one is given). With ``headers="zh"`` every added column is named in Chinese (结果,
倾向, 置信度, 得分_<label>, 理由, 褒贬不一, 无法分析的原因, ``<name>_结果`` …; 模型_ on a clash), polarity and
mixed in Chinese words too. An aspect set adds one column per category, named as the
category (``aspect_`` before each when one would clash with the input's), holding 正面, 中性 or 负面, or
nothing where the text does not speak of it: a pivot table in Excel counts them as they are.
"""
from __future__ import annotations

from itertools import islice
from typing import Callable, Iterable, Iterator, Sequence

from sentiment.bulk.columns import text_column
from sentiment.models.aspects.reader import AspectReader
from sentiment.models.aspects.sets import AspectSet
from sentiment.models.custom.fixed_labels import FixedLabels
from sentiment.models.explain import analyse_with_sentences, reason
from sentiment.models.custom.taught import TaughtClassifier
from sentiment.models.service import SentimentService
from sentiment.models.texts import InvalidText, check_text

# Column names for people (``headers="zh"``: the page's downloads, ``tag --headers zh``, the file API's and
# jobs' ``header_language=zh``), and the values that read better in Chinese there.
ZH_NAMES = {"label": "结果", "polarity": "倾向", "confidence": "置信度", "score": "得分", "reason": "理由",
            "mixed": "褒贬不一", "error": "无法分析的原因", "model": "模型"}
ZH_POLARITY = {"Positive": "正面", "Negative": "负面", "Neutral": "中性"}
HEADER_LANGUAGES = ("en", "zh")


def added_columns(labels: Sequence[str], existing: Iterable[str], headers: str = "en") -> dict[str, str]:
    """Our column names, by what they hold: label, polarity, confidence, error and score:<label>; in
    Chinese with ``headers="zh"``; ``model_`` (模型_) before each when one would clash with the input's."""
    word = ZH_NAMES if headers == "zh" else {key: key for key in ZH_NAMES}
    names = {key: word[key] for key in ("label", "polarity", "confidence")}
    names.update({f"score:{label}": f"{word['score']}_{label}" for label in labels})
    names.update({key: word[key] for key in ("reason", "mixed", "error")})
    if set(names.values()) & set(existing):
        names = {key: f"{word['model']}_{name}" for key, name in names.items()}
    return names


def aspect_columns(aspect_set: AspectSet, existing: Iterable[str]) -> dict[str, str]:
    """A column name per category of the set: the category's own, or ``aspect_`` and it on a clash."""
    names = {name: name for name in aspect_set.names}
    if set(names.values()) & set(existing):
        names = {name: f"aspect_{name}" for name in names}
    return names


class Tagger:
    def __init__(self, service: SentimentService, column: str | None, max_chars: int, batch_size: int = 256,
                 classifier: TaughtClassifier | FixedLabels | None = None,
                 aspects: tuple[AspectReader, AspectSet] | None = None, threshold: float | None = None,
                 headers: str = "en"):
        self.service, self.column, self.max_chars, self.batch_size = service, column, max_chars, batch_size
        self.classifier, self.aspects, self.threshold, self.headers = classifier, aspects, threshold, headers

    def _taught_names(self) -> dict[str, str]:
        """The taught classifier's column names: ``<name>_label`` … or ``<name>_结果`` … in Chinese."""
        word = ZH_NAMES if self.headers == "zh" else {key: key for key in ZH_NAMES}
        name = self.classifier.name
        return {"label": f"{name}_{word['label']}", "confidence": f"{name}_{word['confidence']}",
                **{label: f"{name}_{word['score']}_{label}" for label in self.classifier.labels}}

    def _aspects(self, readable: list[str], names: dict[str, str], deadline: float | None) -> Iterator[dict]:
        """Each readable text's aspect columns (empty where it does not speak of one), or nothing without a set."""
        if self.aspects is None:
            return iter([{}] * len(readable))
        reader, aspect_set = self.aspects
        return iter([{**{column: "" for column in names.values()}, **{names[a["category"]]: a["label"] for a in found}}
                     for found in reader.read(readable, aspect_set, deadline)])

    def _taught(self, readable: list[str]) -> Iterator[dict]:
        """The taught classifier's columns for each readable text, or nothing without one."""
        if self.classifier is None:
            return iter([{}] * len(readable))
        names = self._taught_names()
        predictions = self.classifier.predict(readable)
        decided = self.classifier.decide(readable, predictions, self.threshold)
        return iter([{names["label"]: said, names["confidence"]: round(p.scores[p.label], 4),
                      **{names[label]: round(p.scores[label], 4) for label in self.classifier.labels}}
                     for p, said in zip(predictions, decided)])

    def _taught_blank(self) -> dict:
        return {} if self.classifier is None else {name: "" for name in self._taught_names().values()}

    def _checked(self, row: dict, column: str, number: int) -> tuple[str | None, str]:
        """(the text to read, or None, and why not)."""
        value = row.get(column)
        text = "" if value is None else str(value)
        try:
            return check_text(text, self.max_chars, f"第 {number} 行的文本"), ""
        except InvalidText as error:
            return None, f"{error.code}: {error.message}"

    def tag(self, rows: Iterable[dict], start: int = 1, progress: Callable[[int], None] | None = None,
            deadline: float | None = None) -> Iterator[dict]:
        """Each row with the model's columns, in input order, one model pass per batch of rows."""
        labels = self.service.backend.labels
        rows = iter(rows)
        names: dict[str, str] | None = None
        number = start
        while batch := list(islice(rows, self.batch_size)):
            if names is None:
                names = added_columns(labels, batch[0], self.headers)
                aspect_names = aspect_columns(self.aspects[1], batch[0]) if self.aspects else {}
                column = text_column(batch, self.column)
            checked = [self._checked(row, column, number + at) for at, row in enumerate(batch)]
            readable = [text for text, _ in checked if text is not None]
            answers = iter(analyse_with_sentences(self.service, readable, deadline) if readable else [])
            taught = self._taught(readable)
            aspects = self._aspects(readable, aspect_names, deadline)
            for row, (text, problem) in zip(batch, checked):
                added = {name: "" for name in [*names.values(), *aspect_names.values()]}
                if text is None:  # the code before the message is for programs: not in a file for people
                    added[names["error"]] = problem.split(": ", 1)[-1] if self.headers == "zh" else problem
                    added.update(self._taught_blank())
                else:
                    answer = next(answers)
                    added[names["label"]] = answer["label"]
                    polarity = answer["sentiment"] or ""
                    added[names["polarity"]] = ZH_POLARITY.get(polarity, polarity) if self.headers == "zh" else polarity
                    added[names["confidence"]] = answer["confidence"]
                    for label in labels:
                        added[names[f"score:{label}"]] = round(answer["scores"][label], 4)
                    added[names["reason"]] = reason(answer)
                    added[names["mixed"]] = ("是" if answer["mixed"] else "否") if self.headers == "zh" else answer["mixed"]
                    added.update(next(taught))
                    added.update(next(aspects))
                yield {**row, **added}
            number += len(batch)
            if progress:
                progress(len(batch))
