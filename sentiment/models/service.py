"""From texts to answers, in three stages kept apart as in transformers' pipelines.

``preprocess`` cuts texts longer than the model's window into overlapping windows;
``_forward`` runs every window of a request through the backend in length-sorted
batches (short texts are not padded to the longest) and puts results back in input
order; ``postprocess`` averages each text's window probabilities and shapes the answer.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from sentiment.models.answer import shape
from sentiment.models.deadline import check
from sentiment.models.prediction import Backend, Prediction


def windows(text: str, window: int | None, overlap: int) -> list[str]:
    """Overlapping slices of ``text`` that together cover all of it; the last one ends at the text's end."""
    if window is None:
        return [text]
    last = max(0, len(text) - window)  # where the final window starts; 0 for a text that fits whole
    starts = list(range(0, last, window - overlap)) + [last]  # the service keeps overlap <= window // 2
    return [text[start : start + window] for start in starts]


def combine(predictions: Sequence[Prediction]) -> Prediction:
    """Mean of the windows' probabilities: each window reads the same number of characters."""
    labels = predictions[0].scores
    return Prediction.from_scores(
        {label: sum(p.scores[label] for p in predictions) / len(predictions) for label in labels}
    )


@dataclass
class SentimentService:
    backend: Backend
    batch_size: int = 16
    overlap: int = 64
    # Told (model name, texts, seconds in the model) after each pass: how metrics see inference
    # without the models layer knowing of them.
    observe: Callable[[str, int, float], None] | None = None

    def __post_init__(self) -> None:
        window = self.backend.window
        if self.batch_size < 1:
            raise ValueError(f"SENTIMENT_BATCH_SIZE={self.batch_size} must be at least 1")
        if window is not None and not 0 <= 2 * self.overlap <= window:
            # Past half a window every character is read more than twice; at window - 1 a
            # 5,000-character text becomes thousands of windows.
            raise ValueError(f"SENTIMENT_WINDOW_OVERLAP={self.overlap} must be from 0 to {window // 2}, "
                             f"half of {self.backend.name}'s {window}-character window")

    @classmethod
    def from_config(cls, backend: Backend, config: Mapping[str, Any]) -> "SentimentService":
        return cls(backend, config["SENTIMENT_BATCH_SIZE"], config["SENTIMENT_WINDOW_OVERLAP"])

    def preprocess(self, texts: Sequence[str]) -> list[list[str]]:
        return [windows(text.strip(), self.backend.window, self.overlap) for text in texts]

    def _forward(self, pieces: Sequence[str], deadline: float | None = None) -> list[Prediction]:
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        results: list[Prediction | None] = [None] * len(pieces)
        for start in range(0, len(order), self.batch_size):
            check(deadline)
            chunk = order[start : start + self.batch_size]
            for index, prediction in zip(chunk, self.backend.predict([pieces[i] for i in chunk])):
                results[index] = prediction
        return results  # type: ignore[return-value]

    def postprocess(self, texts: Sequence[str], split: list[list[str]], flat: list[Prediction]) -> list[dict]:
        answers, position = [], 0
        for text, parts in zip(texts, split):
            prediction = combine(flat[position : position + len(parts)])
            position += len(parts)
            answers.append(shape(text, prediction, len(parts), self.backend.name))
        return answers

    def _read(self, texts: Sequence[str], deadline: float | None, counted: int | None
              ) -> tuple[list[list[str]], list[Prediction]]:
        """Every window of every text through the model in one pass; the metrics count ``counted`` texts
        (all of them unless said: sentences and occlusions read beside a request's texts are not texts)."""
        split = self.preprocess(texts)
        started = time.perf_counter()
        flat = self._forward([piece for parts in split for piece in parts], deadline)
        if self.observe is not None:
            self.observe(self.backend.name, len(texts) if counted is None else counted, time.perf_counter() - started)
        return split, flat

    def analyse(self, texts: Sequence[str], deadline: float | None = None, counted: int | None = None) -> list[dict]:
        """One answer per text, in input order, from one pass over the model; ``OutOfTime`` once
        ``deadline`` (``time.monotonic()``) has passed between batches."""
        split, flat = self._read(texts, deadline, counted)
        return self.postprocess(texts, split, flat)

    def probabilities(self, texts: Sequence[str], deadline: float | None = None) -> list[dict[str, float]]:
        """Each text's label probabilities as ``analyse`` combines them, unrounded (an answer's are rounded
        to 4 places, which ties every small difference a caller may need to compare)."""
        split, flat = self._read(texts, deadline, 0)
        out, position = [], 0
        for parts in split:
            out.append(combine(flat[position:position + len(parts)]).scores)
            position += len(parts)
        return out
