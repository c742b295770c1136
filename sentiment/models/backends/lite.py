"""The bundled model: hashed character n-grams, TF-IDF, logistic regression, temperature.

It ships as one ``.npz`` of plain arrays (no pickle) written by ``sentiment.training.train``,
loads in a fraction of a second with no download, and reads a text of any length
whole, so it needs no windows.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.features import tf_vector
from sentiment.models.prediction import Prediction

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "models" / "lite.npz"


def save_model(path: Path, ids: np.ndarray, idf: np.ndarray, coef: np.ndarray, bias: float, meta: dict) -> None:
    """Write the model arrays; the bucket ids are kept sparse so the file holds only buckets seen in training."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(meta, sort_keys=True,  # sorted, so the same model always writes the same text
                      ensure_ascii=False)  # pragma: no mutate: None is False here; Chinese stays readable
    np.savez_compressed(path, ids=ids, idf=idf, coef=coef, bias=np.float32(bias), meta=np.array(text))


class LiteBackend:
    window = None

    def __init__(self, path: Path = DEFAULT_PATH):
        with np.load(Path(path), allow_pickle=False) as data:  # pragma: no mutate: False is also numpy's default
            self.meta = json.loads(str(data["meta"]))
            size = 1 << self.meta["bits"]
            # Dense lookup tables: one gather per text instead of a search per n-gram.
            self._idf = np.zeros(size, dtype=np.float32)
            self._coef = np.zeros(size, dtype=np.float32)
            self._idf[data["ids"]] = data["idf"]
            self._coef[data["ids"]] = data["coef"]
            self._bias = float(data["bias"])
        self.name = self.meta["name"]
        self.labels = tuple(self.meta["labels"])
        self._max_n = self.meta["max_n"]
        self._bits = self.meta["bits"]
        self._temperature = self.meta["temperature"]

    def logit(self, text: str) -> float:
        """Calibrated log-odds of the second label (正面)."""
        ids, tf = tf_vector(text, self._max_n, self._bits)
        weighted = tf * self._idf[ids]
        # Never zero: every text has the boundary markers, whose unigrams occur in every training review.
        norm = float(np.sqrt(weighted @ weighted))
        return (float(weighted @ self._coef[ids]) / norm + self._bias) / self._temperature

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        results = []
        for text in texts:
            positive = 1.0 / (1.0 + np.exp(-self.logit(text)))
            results.append(Prediction.from_scores({self.labels[0]: 1.0 - positive, self.labels[1]: positive}))
        return results
