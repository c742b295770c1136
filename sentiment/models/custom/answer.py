"""The answer shape for your own labels, the same for zero-shot and taught classifiers."""
from __future__ import annotations


def ranked(text: str, scores: dict[str, float], model: str, multi_label: bool) -> dict:
    """Labels best first, a score per label in that order, the top label, the model that answered.
    Single-label scores sum to one; multi-label scores are each label's own probability."""
    order = sorted(scores, key=lambda label: -scores[label])
    return {"text": text, "labels": order, "scores": {label: float(scores[label]) for label in order},
            "label": order[0], "model": model, "multi_label": multi_label}
