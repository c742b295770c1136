"""The bundled neural models: one ONNX encoder, three heads (binary, three-way, six emotions).

``bundled``, ``bundled-3way`` and ``bundled-emotion`` are the same file read through a
different head, so all three cost one download and one load; ``meta.json`` beside it
holds the vocabulary, each head's labels and the model's name. The graph already divides
by each head's temperature, so its outputs are calibrated logits.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from sentiment.models.char_vocab import CharVocab
from sentiment.models.prediction import Prediction, from_logits

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "models" / "bundled"
# The service's model names and the head each reads.
HEADS = {"bundled": "polarity", "bundled-3way": "three_way", "bundled-emotion": "emotion"}
_BATCH = 64  # texts per ONNX call; sorted by length first, so a call pads little


class BundledBackend:
    def __init__(self, folder: Path, model: str, threads: int | None = None):
        import onnxruntime

        folder = Path(folder)
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self._head = HEADS[model]
        self.labels = tuple(self.meta["heads"][self._head])
        self.name = f"{model}: {self.meta['name']}"
        self.window = self.meta["max_len"]
        self._vocab = CharVocab(self.meta["chars"])
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Texts of similar length go together; each answer is the one its text gets alone."""
        order = sorted(range(len(texts)), key=lambda at: len(texts[at]))
        answers: list[Prediction | None] = [None] * len(texts)
        for start in range(0, len(order), _BATCH):
            rows = order[start:start + _BATCH]
            ids = self._vocab.batch([texts[row] for row in rows], self.window)
            (logits,) = self._session.run([self._head], {"ids": ids})
            for row, prediction in zip(rows, from_logits(logits, self.labels)):
                answers[row] = prediction
        return answers
