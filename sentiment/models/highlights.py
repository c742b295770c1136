"""Which words moved the verdict: occlusion, faithful to whatever model serves (``explain: true``).

Each character of a text is left out in turn and the text read again by the same service; how much the
probability of each label falls without it is that character's weight toward the label (positive: it
pushed toward the label). Neighbouring characters pushing the same way are joined into a span, and the
spans that moved the verdict's label most are returned with their offsets into the text as sent. It
needs nothing from the model but ``predict``, so it works alike for the transformer, the BiGRU, the
n-gram model, StructBERT through ModelScope and ONNX exports. A text longer than ``CHARACTER_LIMIT``
is explained by its sentences instead (each left out in turn), which costs one reading per sentence
rather than one per character. Measured faithfulness and cost: ``python benchmarks/faithfulness.py``.
"""
from __future__ import annotations

from typing import Sequence

from sentiment.models.sentences import cut
from sentiment.models.service import SentimentService
from sentiment.models.texts import has_content

CHARACTER_LIMIT = 300  # longer texts: sentences are left out, not characters
TOP = 3  # spans returned per text


def _units(text: str) -> list[tuple[int, int]]:
    """What is left out in turn: every readable character, or every sentence of a long text."""
    if len(text) > CHARACTER_LIMIT:
        return cut(text)
    return [(at, at + 1) for at, char in enumerate(text) if has_content(char) and not char.isspace()]


def _candidates(units: list[tuple[int, int]], weights: list[dict[str, float]], label: str) -> list[tuple[int, int]]:
    """Adjacent units that push the verdict's label the same way, at a quarter of the strongest or more, joined."""
    strongest = max((abs(w[label]) for w in weights), default=0.0)
    joined: list[list[int]] = []
    for (start, end), weight in zip(units, weights):
        if strongest == 0 or abs(weight[label]) < 0.25 * strongest:
            continue
        sign = weight[label] > 0
        if joined and joined[-1][1] == start and joined[-1][2] == sign:
            joined[-1][1] = end
        else:
            joined.append([start, end, sign])
    return [(start, end) for start, end, _ in joined]


def _top(text: str, spans: list[tuple[int, int]], weights: list[dict[str, float]], label: str) -> list[dict]:
    """The ``TOP`` spans whose own deletion moved the label most, those that pushed toward it first."""
    ranked = sorted(zip(spans, weights), key=lambda pair: -abs(pair[1][label]))[:TOP]
    ranked.sort(key=lambda pair: -pair[1][label])
    return [{"start": start, "end": end, "text": text[start:end],
             "weights": {key: round(value, 4) for key, value in weight.items()}} for (start, end), weight in ranked]


def _drops(base: dict[str, float], occluded: dict[str, float] | None) -> dict[str, float]:
    """How much each label's probability fell without a piece; with nothing left to read, the piece was the
    whole text and carried all of it."""
    return {key: base[key] - (occluded[key] if occluded else 1.0 / len(base)) for key in base}


def _read_without(service: SentimentService, texts: Sequence[str], pieces: list[list[tuple[int, int]]],
                  deadline: float | None) -> list[list[dict[str, float] | None]]:
    """Each text's probabilities with each of its pieces deleted (None where nothing readable is left)."""
    variants = [text[:start] + text[end:] for text, spans in zip(texts, pieces) for start, end in spans]
    read = iter(service.probabilities([v for v in variants if has_content(v)], deadline))
    flat = [next(read) if has_content(v) else None for v in variants]
    out, position = [], 0
    for spans in pieces:
        out.append(flat[position:position + len(spans)])
        position += len(spans)
    return out


def highlights(service: SentimentService, texts: Sequence[str], answers: Sequence[dict],
               deadline: float | None = None) -> list[list[dict]]:
    """For each text, the spans that moved its answer's label most: units left out in turn, the ones that
    mattered joined into spans, then each span left out whole, so a span's weights are what deleting it does."""
    bases = service.probabilities(texts, deadline)
    plans = [_units(text) for text in texts]
    unit_weights = [[_drops(base, seen) for seen in row]
                    for base, row in zip(bases, _read_without(service, texts, plans, deadline))]
    spans = [_candidates(units, weights, answer["label"])
             for units, weights, answer in zip(plans, unit_weights, answers)]
    span_weights = [[_drops(base, seen) for seen in row]
                    for base, row in zip(bases, _read_without(service, texts, spans, deadline))]
    return [_top(text, found, weights, answer["label"])
            for text, found, weights, answer in zip(texts, spans, span_weights, answers)]
