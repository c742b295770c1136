"""The shape of one answer, shared by the API, the page and the CLI.

Labels come from the model; ``sentiment`` maps every label that has a polarity onto
Positive/Neutral/Negative (an emotion model's 高兴 is Positive, 悲伤 Negative) so that
clients need not know each model's label names, and is ``null`` for a label without one
(惊讶 comes with good news and bad).
"""
from __future__ import annotations

from sentiment.models.prediction import Prediction

_POLARITY = {
    "正面": "Positive", "积极": "Positive", "positive": "Positive", "pos": "Positive",
    "负面": "Negative", "消极": "Negative", "negative": "Negative", "neg": "Negative",
    "中性": "Neutral", "neutral": "Neutral",
    "高兴": "Positive", "愤怒": "Negative", "悲伤": "Negative", "恐惧": "Negative", "无情绪": "Neutral",
}
_EMOJI = {"Positive": "😊", "Negative": "😞", "Neutral": "😐", None: "🏷️"}
_EMOTION_EMOJI = {"高兴": "😄", "愤怒": "😠", "悲伤": "😢", "恐惧": "😨", "惊讶": "😲", "无情绪": "😐"}


def polarity(label: str) -> str | None:
    return _POLARITY.get(label.strip().lower())


def shape(text: str, prediction: Prediction, windows: int, model: str) -> dict:
    sentiment = polarity(prediction.label)
    return {
        "text": text,
        "sentiment": sentiment,
        "label": prediction.label,
        "confidence": round(prediction.scores[prediction.label], 4),
        "emoji": _EMOTION_EMOJI.get(prediction.label) or _EMOJI[sentiment],
        "scores": {label: round(score, 4) for label, score in prediction.scores.items()},
        "model": model,
        "windows": windows,
    }
