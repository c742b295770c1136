"""Characters to ids for the bundled neural models, shared by training and serving.

Text is folded exactly as the n-gram model folds it (``features.clean``: width, case,
Traditional to Simplified, no whitespace), so the two bundled models see the same
characters; a character the vocabulary lacks becomes ``UNK`` rather than vanishing, so
the encoder still sees that something stood there.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from sentiment.models.features import clean

PAD, UNK = 0, 1


class CharVocab:
    def __init__(self, chars: str):
        self.chars = chars
        self._index = {char: at + 2 for at, char in enumerate(chars)}

    def __len__(self) -> int:
        return len(self.chars) + 2

    def encode(self, text: str, max_len: int) -> list[int]:
        return [self._index.get(char, UNK) for char in clean(text)[:max_len]]

    def batch(self, texts: Sequence[str], max_len: int) -> np.ndarray:
        """A (texts, longest) int64 matrix, right-padded with PAD; an empty text still gets one UNK."""
        rows = [self.encode(text, max_len) or [UNK] for text in texts]
        matrix = np.full((len(rows), max(map(len, rows))), PAD, dtype=np.int64)
        for at, row in enumerate(rows):
            matrix[at, : len(row)] = row
        return matrix
