"""A category taught from examples: the words its example phrases share that the set's other categories'
examples do not, added to its target words (``Category.learned``).

A word here is a run of 2 to 4 Chinese characters or letters. It is kept for a category when it is in at
least ``MIN_EXAMPLES`` of the category's examples (and ``MIN_SHARE`` of them when there are many), when at
least ``MIN_PRECISION`` of all the examples that hold it are the category's, and when it is not one of the
most common pairs of characters in the corpus (the bigram IDF the taught classifiers use, below ``MIN_IDF``:
这个, 不错, 感觉 …). Of two kept words where one holds the other, the shorter stays: it matches wherever the
longer would. ``benchmarks/aspects.py`` measures the terms taught from the car-forum training split, from 8
examples per category, and none.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Mapping, Sequence

from sentiment.models.custom.taught import idf
from sentiment.models.features import ngram_buckets

MIN_EXAMPLES, MIN_SHARE, MIN_PRECISION, MIN_IDF, MAX_TERMS = 2, 0.02, 0.6, 4.0, 60
_RUN = re.compile(r"[\u3400-\u9fffA-Za-z]+")


def _words(text: str) -> set[str]:
    found = set()
    for run in _RUN.findall(text):
        for n in (2, 3, 4):
            found.update(run[i:i + n] for i in range(len(run) - n + 1))
    return found


def _common(word: str) -> bool:
    """Whether any pair of characters of ``word`` is among the corpus's most common (IDF < ``MIN_IDF``)."""
    weights = idf()
    pairs = [word[i:i + 2] for i in range(len(word) - 1)]
    return any(weights[ngram_buckets(pair, 2, 18)[-2]] < MIN_IDF for pair in pairs)


def learn_terms(examples: Mapping[str, Sequence[str]], known: Mapping[str, Sequence[str]] | None = None
                ) -> dict[str, list[str]]:
    """Per category, the words its examples teach (most examples first, at most ``MAX_TERMS``), leaving out
    the words ``known`` already gives it."""
    holding: dict[str, Counter] = {name: Counter(w for text in texts for w in _words(text))
                                   for name, texts in examples.items()}
    everywhere = Counter()
    for counts in holding.values():
        everywhere.update(counts)
    learned = {}
    for name, counts in holding.items():
        needed = max(MIN_EXAMPLES, math.ceil(MIN_SHARE * len(examples[name])))
        have = {w.lower() for w in (known or {}).get(name, ())}
        kept = [w for w, n in counts.items()
                if n >= needed and n / everywhere[w] >= MIN_PRECISION and w.lower() not in have and not _common(w)]
        kept = [w for w in kept if not any(other != w and other in w for other in kept)]
        learned[name] = sorted(kept, key=lambda w: (-counts[w], w))[:MAX_TERMS]
    return learned
