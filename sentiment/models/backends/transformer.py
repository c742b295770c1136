"""The bundled transformer: multilingual-e5-small fine-tuned with three heads, served by ONNX Runtime.

One folder (``models/transformer``) holds ``model.onnx`` (every head's calibrated logits),
the pruned tokenizer and ``meta.json``; the service's names for it read one head each, as
the BiGRU's do. Its window is counted in characters, as the service cuts windows: a piece
spells at least one character, and a text gains at most one piece (the leading ``▁``) and the
two specials, so ``max_tokens - 3`` characters fit. (A character that normalisation expands,
㎏ to kg, can make a window longer in pieces; the tokenizer then cuts it at ``max_tokens``.)
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.backends.onnx_runtime import cpu_session
from sentiment.models.e5_tokenizer import E5Tokenizer
from sentiment.models.prediction import Prediction, from_logits

MODEL_FILE = "model.onnx"


class TransformerBackend:
    def __init__(self, folder: Path, model: str, head: str = "polarity", threads: int | None = None):
        folder = Path(folder)
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self._head = head
        self.labels = tuple(self.meta["heads"][head])
        self.name = f"{model}: {self.meta['name']}"
        self.max_tokens = int(self.meta["max_tokens"])
        self.window = self.max_tokens - 3
        self._tokenizer = E5Tokenizer.load(folder)
        self._session = cpu_session(folder / MODEL_FILE, threads)

    def with_head(self, model: str, head: str) -> "TransformerBackend":
        """The same loaded session read through another head: the service's names for one file share it."""
        other = copy.copy(self)
        other._head, other.labels, other.name = head, tuple(self.meta["heads"][head]), f"{model}: {self.meta['name']}"
        return other

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        (logits,) = self.logits(texts, [self._head])
        return from_logits(logits, self.labels)

    def logits(self, texts: Sequence[str], heads: Sequence[str]) -> list[np.ndarray]:
        """The named heads' calibrated logits, each text run alone.

        Why alone: dynamic INT8 quantises a call's activations with one scale for the whole batch, so
        in a batch a text's probabilities moved by up to 0.02 with its batch-mates, and a figure such
        as SMP2020's six-way macro-F1 by 0.007 with how texts happened to be grouped. Alone, a text
        always gets the same answer, and it costs little: on 2 threads 390 reviews/s one at a time
        against 370 in batches of 64 (no padding to compute) and 510 in batches of 8.
        """
        out = [np.zeros((len(texts), len(self.meta["heads"][head])), dtype=np.float32) for head in heads]
        for at, text in enumerate(texts):
            ids, mask = self._tokenizer.encode_batch([text], self.max_tokens)
            for matrix, value in zip(out, self._session.run(list(heads), {"ids": ids, "mask": mask})):
                matrix[at] = value[0]
        return out
