"""How a clause feels about the aspect it names: 正面, 中性 (lukewarm: 口味还行, 中规中矩) or 负面.

The bundled three-way head was taught that 中性 means "no feeling" (a plain statement), so alone it calls
口味还行 正面 and 味道一般 负面; on the restaurant aspect sentences of 130.Chinese_Zhang it is right on
82.7% of aspects, 38% of the lukewarm ones. An n-gram model taught on those sentences' aspects (the taught
classifiers' features and regression, ``training/aspects.py``) gets 88.5%; the two combined by a
three-by-six logistic regression fitted on the dev half get 90% (``benchmarks/aspects.py``). That
combination is what ships: ``models/aspects/polarity.npz`` holds the n-gram model and one combination per
three-way model it was fitted for.

Every aspect in those sentences carries an opinion, so the combination never learned the other 中性: a
clause that names an aspect and says nothing of it (这车的价格会受影响). Where the three-way model reads
no feeling at ``NO_FEELING`` or more, the mention is 中性. Measured on both test sets
(``benchmarks/aspects.py``): at 0.5 the restaurant aspects lose 0.7 points (89.4 → 88.7%) and the car
forum's category-and-polarity F1, whose annotators call 68% of mentions neutral, rises from 0.19 to 0.46.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.custom.taught import TaughtClassifier

LABELS = ("负面", "中性", "正面")
SENTIMENTS = {"负面": "Negative", "中性": "Neutral", "正面": "Positive"}
NO_FEELING = 0.5
PATH = Path(__file__).resolve().parents[3] / "models" / "aspects" / "polarity.npz"


def stack_features(ngram: np.ndarray, model: np.ndarray) -> np.ndarray:
    """What the combination reads: the log-probabilities of both, in ``LABELS`` order."""
    return np.hstack([np.log(ngram + 1e-6), np.log(model + 1e-6)])


def in_order(scores: Sequence[dict[str, float]]) -> np.ndarray:
    """(texts, 3) probabilities in ``LABELS`` order from answers' ``scores``."""
    return np.array([[row[label] for label in LABELS] for row in scores], dtype=np.float64)


@dataclass
class AspectPolarity:
    ngram: TaughtClassifier  # labels in LABELS order
    stacks: dict[str, tuple[np.ndarray, np.ndarray]]  # three-way model name -> (weights (3, 6), bias (3,))

    def probabilities(self, clauses: Sequence[str], model: str, three_way: Sequence[dict[str, float]]) -> np.ndarray:
        """(clauses, 3) in ``LABELS`` order: the n-gram model and ``model``'s three-way scores combined."""
        if model not in self.stacks:
            raise ValueError(f"the aspect polarity was fitted for {sorted(self.stacks)}, not {model}")
        ngram = in_order([p.scores for p in self.ngram.predict(clauses)])
        weights, bias = self.stacks[model]
        read = in_order(three_way)
        logits = stack_features(ngram, read) @ weights.T + bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        combined = exp / exp.sum(axis=1, keepdims=True)
        plain = read[:, LABELS.index("中性")] >= NO_FEELING
        combined[plain] = read[plain]  # the three-way model's own reading: 中性 first
        return combined

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"columns": self.ngram.columns, "weights": self.ngram.weights, "bias": self.ngram.bias,
                  "models": np.array(sorted(self.stacks))}
        for at, name in enumerate(sorted(self.stacks)):
            arrays[f"stack_weights_{at}"], arrays[f"stack_bias_{at}"] = self.stacks[name]
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path = PATH) -> "AspectPolarity":
        with np.load(path, allow_pickle=False) as saved:
            ngram = TaughtClassifier("aspect-polarity", LABELS, saved["columns"], saved["weights"], saved["bias"])
            stacks = {str(name): (saved[f"stack_weights_{at}"], saved[f"stack_bias_{at}"])
                      for at, name in enumerate(saved["models"])}
        return cls(ngram, stacks)
