"""The service's three stages: windows over long text, length-sorted batches, answers shaped from scores."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_same_answers
from sentiment.models.answer import polarity
from sentiment.models.backends.lite import LiteBackend
from sentiment.models.prediction import Prediction, from_logits
from sentiment.models.service import SentimentService, combine, windows

PRAISE = "菜很好吃，服务也很周到，下次还来。"
COMPLAINT = "等了两个小时，饭菜全凉了，太失望。"


class Windowed(LiteBackend):
    """The real bundled model, made to read at most ``window`` characters at a time as StructBERT reads 510."""

    def __init__(self, window: int = 40):
        super().__init__()
        self.window = window


@pytest.mark.parametrize("length", [1, 509, 510, 511, 700, 2040, 5000])
def test_windows_cover_the_whole_text_within_the_window(length):
    text = "".join(chr(0x4E00 + i % 5000) for i in range(length))
    parts = windows(text, 510, 64)
    assert all(len(p) <= 510 for p in parts)
    assert parts[0] == text[: len(parts[0])] and text.endswith(parts[-1])
    position = 0  # every character lies in some window, in order
    for part in parts:
        start = text.index(part, max(0, position - 510))
        assert start <= position
        position = start + len(part)
    assert position == length
    if length <= 510:
        assert parts == [text]
    else:
        assert len(parts) == -(-(length - 510) // 446) + 1


def test_windows_overlap_by_the_configured_amount():
    text = "".join(chr(0x4E00 + i) for i in range(1000))
    first, second = windows(text, 510, 64)[:2]
    assert first[-64:] == second[:64]


def test_models_that_read_any_length_get_one_window():
    assert windows("好" * 5000, None, 64) == ["好" * 5000]


def test_combine_averages_probabilities_and_picks_the_top_label():
    combined = combine([
        Prediction.from_scores({"负面": 0.9, "正面": 0.1}),
        Prediction.from_scores({"负面": 0.2, "正面": 0.8}),
        Prediction.from_scores({"负面": 0.3, "正面": 0.7}),
    ])
    assert combined.scores == pytest.approx({"负面": 1.4 / 3, "正面": 1.6 / 3})
    assert combined.label == "正面"


def test_a_long_text_answers_the_mean_of_its_windows_each_read_alone():
    text = PRAISE * 4 + COMPLAINT * 3  # 119 characters: windows of praise, of both, of complaint
    backend = Windowed()
    parts = windows(text, 40, 10)
    alone = [backend.predict([part])[0].scores["正面"] for part in parts]
    assert len(parts) == 4 and max(alone) - min(alone) > 0.5, "the windows must disagree for this test to mean anything"
    answer = SentimentService(backend, batch_size=3, overlap=10).analyse([PRAISE, text])[1]
    assert answer["windows"] == 4
    assert answer["scores"]["正面"] == pytest.approx(sum(alone) / len(alone), abs=1e-4)
    assert answer["label"] == ("正面" if sum(alone) / len(alone) > 0.5 else "负面")


def test_answers_are_shaped_from_the_combined_scores():
    answer = SentimentService(LiteBackend()).analyse([COMPLAINT])[0]
    negative = LiteBackend().predict([COMPLAINT])[0].scores["负面"]
    assert answer == {
        "text": COMPLAINT, "sentiment": "Negative", "label": "负面", "confidence": round(negative, 4), "emoji": "😞",
        "scores": {"负面": round(negative, 4), "正面": round(1 - negative, 4)}, "model": "bundled-char-ngram-lr",
        "windows": 1,
    }


@pytest.mark.parametrize("overlap", [-1, 21, 40])
def test_an_overlap_beyond_half_a_window_is_refused(overlap):
    with pytest.raises(ValueError, match=f"SENTIMENT_WINDOW_OVERLAP={overlap} must be from 0 to 20"):
        SentimentService(Windowed(), overlap=overlap)


def test_overlap_up_to_half_a_window_and_any_overlap_without_windows_are_accepted():
    assert SentimentService(Windowed(), overlap=20).overlap == 20
    assert SentimentService(Windowed(), overlap=0).overlap == 0
    assert SentimentService(LiteBackend(), overlap=4000).analyse([PRAISE])[0]["windows"] == 1


def test_an_odd_window_allows_its_whole_half():
    assert SentimentService(Windowed(41), overlap=20).overlap == 20
    with pytest.raises(ValueError, match=r"must be from 0 to 20, half of bundled-char-ngram-lr's 41-character window$"):
        SentimentService(Windowed(41), overlap=21)


def test_batch_size_below_one_is_refused():
    assert SentimentService(LiteBackend(), batch_size=1).analyse(["好", "差"])[1]["label"] == "负面"
    with pytest.raises(ValueError, match="SENTIMENT_BATCH_SIZE=0 must be at least 1"):
        SentimentService(LiteBackend(), batch_size=0)


@pytest.mark.parametrize("label, sentiment", [
    ("正面", "Positive"), ("负面", "Negative"), ("中性", "Neutral"), ("积极", "Positive"), ("消极", "Negative"),
    ("Positive", "Positive"), (" NEG ", "Negative"), ("neutral", "Neutral"), ("愤怒", "Negative"),
    ("高兴", "Positive"), ("无情绪", "Neutral"), ("惊讶", None), ("期待", None),
])
def test_polarity_of_a_models_label(label, sentiment):
    assert polarity(label) == sentiment


def test_softmax_of_each_row_survives_large_logits():
    predictions = from_logits(np.array([[1000.0, 999.0], [0.0, -1.0], [-5.0, 5.0]]), ("负面", "正面"))
    first = 1 / (1 + np.exp(-1.0))
    assert [p.label for p in predictions] == ["负面", "负面", "正面"]
    assert predictions[0].scores == pytest.approx({"负面": first, "正面": 1 - first})
    assert predictions[1].scores == pytest.approx({"负面": first, "正面": 1 - first})
    assert predictions[2].scores["正面"] == pytest.approx(1 / (1 + np.exp(-10.0)))


def test_batches_are_length_buckets_and_answers_keep_input_order():
    class Recording(LiteBackend):
        """The real bundled model, noting which texts each model call received."""

        calls: list[list[str]] = []

        def predict(self, texts):
            self.calls.append(list(texts))
            return super().predict(texts)

    backend = Recording()
    texts = ["很好" * 30, "差", "一般般" * 10, "好吃", "服务态度很差" * 20, "还行吧"]
    answers = SentimentService(backend, batch_size=2).analyse(texts)
    assert_same_answers(answers, [SentimentService(LiteBackend()).analyse([t])[0] for t in texts], 1e-4)
    assert [len(call) for call in backend.calls] == [2, 2, 2]
    lengths = [[len(t) for t in call] for call in backend.calls]
    assert lengths == [[1, 2], [3, 30], [60, 120]]  # shortest together, longest together: little padding
