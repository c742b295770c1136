"""The answer shape for your own labels, the same for zero-shot and taught classifiers."""
from __future__ import annotations


def ranked(text: str, scores: dict[str, float], model: str, multi_label: bool, label: str | None = None,
           threshold: float | None = None) -> dict:
    """Labels best first, a score per label in that order, the top label (or ``label``: 其他 below a taught
    classifier's ``threshold``), the model that answered. Single-label scores sum to one; multi-label
    scores are each label's own probability."""
    order = sorted(scores, key=lambda name: -scores[name])
    answer = {"text": text, "labels": order, "scores": {name: float(scores[name]) for name in order},
              "label": label or order[0], "model": model, "multi_label": multi_label}
    if threshold is not None:
        answer["threshold"] = threshold
    return answer
