"""Topic vectors: what a taught classifier knows about words its few examples never used.

Sixteen examples of 手机 reviews cannot show that 电池 and 屏幕 belong with them; a vector per
character n-gram, learned without labels from all the text in ../shared so that the two halves
of one review land near each other (``sentiment.training.topics``), can. A text's topic vector is
the sum of its n-grams' vectors weighted by their tf-idf, scaled to length one. On the few-shot
benchmark it lifts the shopping categories from 69% to about 81% at 16 examples per label, and
it does not help the car-forum aspects (every comment there is about a car), which is why
``taught`` lets cross-validation decide whether a classifier uses it.

``models/topics.npz`` holds vectors for the most frequent hashed n-grams only (``buckets``,
sorted), in float16, to stay a few megabytes; rarer n-grams have none.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parents[3] / "models" / "topics.npz"


@lru_cache(maxsize=1)
def table() -> tuple[np.ndarray, np.ndarray]:
    """(sorted bucket ids, their float16 vectors), read once per process."""
    with np.load(PATH, allow_pickle=False) as saved:
        return saved["buckets"].astype(np.int64), saved["vectors"]


def dimensions() -> int:
    return table()[1].shape[1]


def embed(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The unit-length topic vector of one text given as sorted bucket ids and their weights
    (zeros when none of its n-grams has a vector)."""
    buckets, vectors = table()
    at = np.minimum(np.searchsorted(buckets, ids), len(buckets) - 1)
    known = buckets[at] == ids
    vector = values[known].astype(np.float32) @ vectors[at[known]].astype(np.float32)
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def embed_rows(matrix) -> np.ndarray:
    """Topic vectors of the rows of a sparse (texts, 2**BITS) weight matrix, as ``embed`` gives them."""
    buckets, vectors = table()
    summed = np.asarray(matrix.tocsc()[:, buckets] @ vectors.astype(np.float32))
    norms = np.linalg.norm(summed, axis=1, keepdims=True)
    return summed / np.where(norms > 0, norms, 1.0)
