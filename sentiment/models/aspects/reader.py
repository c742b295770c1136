"""Reading aspects: ``preprocess`` (clauses and the set's words in each) → ``_forward`` (each clause that is
about something, scored in one pass) → ``postprocess`` (mentions gathered per category, answers shaped).

A text is cut into comma-level clauses (``sentences.cut(commas=True)``); each clause that holds a word of
the set is a **mention** of the categories it reveals (``AspectSet.about_clause``), read on its own by a
bundled three-way model and the aspect polarity model (``polarity.py``). A category's polarity is the mean
of its mentions' probabilities; ``mixed`` says its mentions confidently disagree (煲仔饭很好吃，但是鸡煲
味道一般 is 口味 praised and criticised). Each mention carries its evidence: the clause's span (the
opinion, punctuation at its ends left out) and the target words in it (the set's, and those annotators
marked in the restaurant aspect sentences), offsets into the text as sent.

One rule sits on top of the models: a lukewarm clause that opens with a turn (但是/不过/就是 …) after a
praised one is the complaint, as a shop owner reads it (煲仔饭很好吃，但是鸡煲味道一般 criticises 鸡煲):
its 中性 and 负面 probabilities trade places. ``benchmarks/aspects.py`` measures what the rule changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sentiment.models.aspects.polarity import LABELS, SENTIMENTS, AspectPolarity
from sentiment.models.aspects.sets import AspectSet
from sentiment.models.aspects.targets import marked_targets
from sentiment.models.explain import MIXED_CONFIDENCE
from sentiment.models.sentences import TURNS, cut
from sentiment.models.service import SentimentService

NAMING_ONLY = 6  # a clause this short with only target words names what the next clause judges
_EDGES = "，,、。！？!?；;…～~ \t\r\n\"'“”‘’（）()【】[]《》"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    categories: tuple[str, ...]
    targets: tuple[tuple[int, int], ...]
    turn: bool  # the clause opens with a turn (但是 …)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGES:
        start += 1
    while end > start and text[end - 1] in _EDGES:
        end -= 1
    return start, end


def _longest(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """The spans with every one that overlaps a longer one left out (煲仔饭 over its 饭), in text order."""
    kept: list[tuple[int, int]] = []
    for span in sorted(set(spans), key=lambda s: (s[0] - s[1], s[0])):
        if not any(s < span[1] and span[0] < e for s, e in kept):
            kept.append(span)
    return tuple(sorted(kept))


def clause_spans(text: str) -> list[tuple[int, int]]:
    """The comma-level clauses of ``text`` without the punctuation at their ends: what a mention's polarity
    is read from (and taught on, ``training/aspects.py``) and what its evidence shows."""
    return [span for span in (_trim(text, start, end) for start, end in cut(text, commas=True)) if span[0] < span[1]]


def _span(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end]}


@dataclass
class AspectReader:
    service: SentimentService  # a bundled three-way model's
    model: str  # its name, which picks the polarity combination
    polarity: AspectPolarity

    def preprocess(self, texts: Sequence[str], aspect_set: AspectSet) -> list[list[Mention]]:
        """Each text's mentions: the clauses that hold a word of the set, and the categories they reveal. A
        short clause that only names its target (环境嘛，一般般) is read with the clause after it, when that
        one names no target of its own (its opinion words then speak of the first's)."""
        found = []
        for text in texts:
            mentions = []
            spans = clause_spans(text)
            hits = [aspect_set.hits(text, start, end) for start, end in spans]
            skip = False
            for at, (start, end) in enumerate(spans):
                about = aspect_set.about_clause(hits[at])
                if skip or not about:
                    skip = False
                    continue
                if (at + 1 < len(spans) and end - start <= NAMING_ONLY and all(h.kind == "target" for h in hits[at])
                        and not any(h.kind == "target" for h in hits[at + 1])
                        and not text[end:spans[at + 1][0]].strip("，,、 ")):
                    end, skip = spans[at + 1][1], True
                named = [(hit.start, hit.end) for hit in hits[at] if hit.kind == "target"]
                mentions.append(Mention(start, end, tuple(about), _longest(named + marked_targets(text, start, end)),
                                        text.startswith(TURNS, start)))
            found.append(mentions)
        return found

    def _forward(self, clauses: Sequence[str], deadline: float | None = None) -> np.ndarray:
        """(clauses, 3) polarity probabilities in ``LABELS`` order, every clause in one model pass."""
        if not clauses:
            return np.zeros((0, len(LABELS)))
        return self.polarity.probabilities(clauses, self.model, self.service.probabilities(clauses, deadline))

    @staticmethod
    def contrast(mentions: Sequence[Mention], probabilities: np.ndarray) -> np.ndarray:
        """The turn rule (module docstring): a lukewarm turn after a praised mention reads as 负面."""
        probabilities = probabilities.copy()
        praised = False
        for at, mention in enumerate(mentions):
            label = LABELS[int(probabilities[at].argmax())]
            if mention.turn and praised and label == "中性":
                probabilities[at, [0, 1]] = probabilities[at, [1, 0]]
            praised = praised or label == "正面"
        return probabilities

    def postprocess(self, texts: Sequence[str], found: list[list[Mention]], probabilities: np.ndarray,
                    aspect_set: AspectSet) -> list[list[dict]]:
        answers, position = [], 0
        for text, mentions in zip(texts, found):
            read = self.contrast(mentions, probabilities[position:position + len(mentions)])
            position += len(mentions)
            per_category: dict[str, list[tuple[Mention, np.ndarray]]] = {}
            for mention, p in zip(mentions, read):
                for name in mention.categories:
                    per_category.setdefault(name, []).append((mention, p))
            answers.append([self._aspect(text, name, per_category[name])
                            for name in aspect_set.names if name in per_category])
        return answers

    @staticmethod
    def _aspect(text: str, name: str, read: list[tuple[Mention, np.ndarray]]) -> dict:
        mean = np.mean([p for _, p in read], axis=0)
        label = LABELS[int(mean.argmax())]
        shaped = []
        for mention, p in read:
            one = LABELS[int(p.argmax())]
            shaped.append({**_span(text, mention.start, mention.end), "label": one, "sentiment": SENTIMENTS[one],
                           "confidence": round(float(p.max()), 4),
                           "targets": [_span(text, s, e) for s, e in mention.targets]})
        sure = {m["label"] for m in shaped if m["label"] != "中性" and m["confidence"] >= MIXED_CONFIDENCE}
        return {"category": name, "label": label, "sentiment": SENTIMENTS[label],
                "confidence": round(float(mean.max()), 4), "mixed": sure == {"正面", "负面"}, "mentions": shaped}

    def read(self, texts: Sequence[str], aspect_set: AspectSet, deadline: float | None = None) -> list[list[dict]]:
        """Each text's aspects in the set's category order; a text about none of them has an empty list."""
        found = self.preprocess(texts, aspect_set)
        clauses = [text[m.start:m.end] for text, mentions in zip(texts, found) for m in mentions]
        return self.postprocess(texts, found, self._forward(clauses, deadline), aspect_set)
