"""The shape of one answer, shared by the API, the page and the CLI.

Labels come from the model; ``sentiment`` maps the common polarity labels onto
Positive/Negative so that clients need not know each model's label names, and is
``null`` for labels that are not a polarity (an emotion model's 愤怒, say).
"""
from __future__ import annotations

from sentiment.models.prediction import Prediction

_POLARITY = {
    "正面": "Positive", "积极": "Positive", "positive": "Positive", "pos": "Positive",
    "负面": "Negative", "消极": "Negative", "negative": "Negative", "neg": "Negative",
    "中性": "Neutral", "neutral": "Neutral",
}
_EMOJI = {"Positive": "😊", "Negative": "😞", "Neutral": "😐", None: "🏷️"}


def polarity(label: str) -> str | None:
    return _POLARITY.get(label.strip().lower())


def shape(text: str, prediction: Prediction, windows: int, model: str) -> dict:
    sentiment = polarity(prediction.label)
    return {
        "text": text,
        "sentiment": sentiment,
        "label": prediction.label,
        "confidence": round(prediction.scores[prediction.label], 4),
        "emoji": _EMOJI[sentiment],
        "scores": {label: round(score, 4) for label, score in prediction.scores.items()},
        "model": model,
        "windows": windows,
    }
