"""Hashed character n-gram features shared by training and the bundled-lite backend.

Chinese has no spaces, so characters and their short runs (1 to ``max_n``) carry
the signal; hashing them into a fixed number of buckets keeps the shipped model a
pair of plain arrays with no vocabulary file. Hashing is vectorised in NumPy, so a
5,000-character review costs well under a millisecond and needs no Python loop.
Training and serving must hash identically, which is why both import this module.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

_BEGIN, _END = 2, 3  # code points used as boundary markers, absent from real text
_MIX = np.uint64(0x9E3779B97F4A7C15)
# One multiplier per position in an n-gram; distinct odd constants keep n-grams of
# different length and order apart.
_POSITION = np.array(
    [0x100000001B3, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5, 0xFF51AFD7ED558CCD],
    dtype=np.uint64,
)


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    """OpenCC's character table (shipped in the opencc-python-reimplemented package), first choice of each."""
    import opencc

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    mapping = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        traditional, simplified = line.split("\t")
        mapping[ord(traditional)] = simplified.split()[0]
    return mapping


def clean(text: str) -> str:
    """Fold width, case and script (ＡＢＣ→abc, ！→!, 這個→这个) and drop whitespace, so that a review
    typed in Traditional characters or full-width letters meets the same features as its training twin."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_traditional_to_simplified())
    return "".join(folded.split())


def ngram_buckets(text: str, max_n: int, bits: int) -> np.ndarray:
    """Bucket ids of every 1..max_n character n-gram of ``text`` (with boundary markers), repeats kept."""
    codes = np.frombuffer(clean(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    codes = np.concatenate(([_BEGIN], codes, [_END])).astype(np.uint64)
    mask = np.uint64((1 << bits) - 1)
    parts = []
    with np.errstate(over="ignore"):
        for n in range(1, max_n + 1):
            count = len(codes) - n + 1
            if count <= 0:
                break
            h = np.full(count, n, dtype=np.uint64)
            for k in range(n):
                h = h * _MIX + codes[k : k + count] * _POSITION[k]
            h ^= h >> np.uint64(31)
            h *= _MIX
            h ^= h >> np.uint64(29)
            parts.append(h & mask)
    return np.concatenate(parts)


def tf_vector(text: str, max_n: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(bucket ids, sublinear term frequencies 1 + log(count)) of one text, ids sorted and unique."""
    ids, counts = np.unique(ngram_buckets(text, max_n, bits), return_counts=True)
    return ids.astype(np.int64), 1.0 + np.log(counts)
