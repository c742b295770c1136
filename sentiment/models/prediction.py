"""What every backend returns, so the API, page and CLI never know which backend ran."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np


@dataclass(frozen=True)
class Prediction:
    """One text's result: the winning label and a probability for every label of the model."""

    label: str
    scores: dict[str, float]

    @classmethod
    def from_scores(cls, scores: dict[str, float]) -> "Prediction":
        return cls(max(scores, key=scores.__getitem__), scores)


class Backend(Protocol):
    """A loaded model. ``window`` is the longest text (in characters) it reads whole, or None for any length."""

    name: str
    labels: tuple[str, ...]
    window: int | None

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        ...


def from_logits(logits: np.ndarray, labels: Sequence[str]) -> list[Prediction]:
    """Softmax each row of a (texts, labels) logit matrix into a Prediction, as ModelScope's pipeline does;
    each row is shifted by its own maximum first, so large logits cannot overflow."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    return [Prediction.from_scores(dict(zip(labels, map(float, row)))) for row in probabilities]
