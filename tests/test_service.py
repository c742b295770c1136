"""Windows over long text, and how window results combine."""
from __future__ import annotations

import pytest

from sentiment.prediction import Prediction
from sentiment.service import combine, windows


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


def test_batches_are_length_buckets_and_answers_keep_input_order():
    from sentiment.backends.embedded import EmbeddedBackend
    from sentiment.service import SentimentService

    class Recording(EmbeddedBackend):
        """The real bundled model, noting which texts each model call received."""

        calls: list[list[str]] = []

        def predict(self, texts):
            self.calls.append(list(texts))
            return super().predict(texts)

    backend = Recording()
    texts = ["很好" * 30, "差", "一般般" * 10, "好吃", "服务态度很差" * 20, "还行吧"]
    answers = SentimentService(backend, batch_size=2).analyse(texts)
    assert [a["text"] for a in answers] == texts
    assert [len(call) for call in backend.calls] == [2, 2, 2]
    lengths = [[len(t) for t in call] for call in backend.calls]
    assert lengths == [[1, 2], [3, 30], [60, 120]]  # shortest together, longest together: little padding
