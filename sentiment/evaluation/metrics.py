"""Classification metrics, written out so that the CLI, the model card and the tests agree on them."""
from __future__ import annotations

from typing import Hashable, Sequence


def confusion(truth: Sequence[Hashable], predicted: Sequence[Hashable], labels: Sequence[Hashable]) -> list[list[int]]:
    """Rows are true labels, columns predicted labels, both in ``labels`` order."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted):
        matrix[index[t]][index[p]] += 1
    return matrix


def accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    return sum(t == p for t, p in zip(truth, predicted)) / len(truth) if truth else 0.0


def macro_f1(truth: Sequence[Hashable], predicted: Sequence[Hashable], labels: Sequence[Hashable]) -> float:
    """Mean F1 over the labels that occur in the truth or the predictions."""
    scores = []
    for label in labels:
        tp = sum(t == p == label for t, p in zip(truth, predicted))
        fp = sum(p == label != t for t, p in zip(truth, predicted))
        fn = sum(t == label != p for t, p in zip(truth, predicted))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    total, error = len(confidences), 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if low < c <= high or (b == 0 and c == 0)]
        if members:
            mean_confidence = sum(confidences[i] for i in members) / len(members)
            hit_rate = sum(correct[i] for i in members) / len(members)
            error += abs(hit_rate - mean_confidence) * len(members) / total
    return error
