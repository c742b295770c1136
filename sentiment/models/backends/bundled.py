"""The bundled neural models: one ONNX encoder, three heads (binary, three-way, six emotions).

``bundled``, ``bundled-3way`` and ``bundled-emotion`` are the same file read through a
different head, so all three cost one download and one load; ``meta.json`` beside it
holds the vocabulary, each head's labels and the model's name. The graph already divides
by each head's temperature, so its outputs are calibrated logits.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.backends.onnx_runtime import cpu_session
from sentiment.models.char_vocab import CharVocab
from sentiment.models.prediction import Prediction, from_logits

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "models" / "bundled"
# The heads' short names, for tests and benchmarks that build the backend by hand (the service passes
# the head its model name reads: ``backends.BUNDLED_MODELS``).
HEADS = {"bundled": "polarity", "bundled-3way": "three_way", "bundled-emotion": "emotion"}


class BundledBackend:
    def __init__(self, folder: Path, model: str, threads: int | None = None, head: str | None = None):
        folder = Path(folder)
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self._head = head or HEADS[model]
        self.labels = tuple(self.meta["heads"][self._head])
        self.name = f"{model}: {self.meta['name']}"
        self.window = self.meta["max_len"]
        self._vocab = CharVocab(self.meta["chars"])
        self._session = cpu_session(folder / "model.onnx", threads)

    def with_head(self, model: str, head: str) -> "BundledBackend":
        """The same loaded session read through another head: the service's names for one file share it."""
        other = copy.copy(self)
        other._head, other.labels, other.name = head, tuple(self.meta["heads"][head]), f"{model}: {self.meta['name']}"
        return other

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One ONNX call; the service hands over length-sorted batches, and padding never changes an
        answer (the encoder masks it), so each answer is the one its text gets alone."""
        (logits,) = self.logits(texts, [self._head])
        return from_logits(logits, self.labels)

    def logits(self, texts: Sequence[str], heads: Sequence[str], max_len: int | None = None) -> list[np.ndarray]:
        """The named heads' calibrated logits (``polarity``, ``three_way``, ``emotion``) for one batch,
        each text cut at ``max_len`` characters (default: the window)."""
        return self._session.run(list(heads), {"ids": self._vocab.batch(texts, max_len or self.window)})
