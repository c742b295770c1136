"""Topic vectors of character n-grams, learned without labels, for taught classifiers.

    python -m sentiment.training.topics --datasets ../shared/datasets --out models/topics.npz

Each training text is cut at a random point into two halves; a text's vector is the tf-idf
weighted sum of its n-grams' vectors (``models.custom.topics.embed``), and the two halves of one
text must find each other among all the halves of a batch (InfoNCE with in-batch negatives). What
the halves of a review share is its subject (a phone's 屏幕 and 电池, a hotel's 前台 and 房间),
so n-grams that are used about the same things end up near each other, which is what a
classifier taught from 16 examples per label is missing. About 2 minutes per epoch on 2 CPU cores.

Reads the same training-split texts as ``idf`` and weights n-grams by ``models/idf.npz``, so run
it after ``idf``. Keeps the ``--keep`` n-grams found in most texts, as float16.
"""
from __future__ import annotations

import random

import numpy as np

from sentiment.models.custom.taught import BITS, weighted
from sentiment.models.features import clean
from sentiment.training.idf import document_frequencies
from sentiment.training.pretrain import texts_of
from sentiment.training.multitask import corpus_parser, log, machine_options

MIN_CHARS = 8  # shorter texts have no two halves worth matching


def halves(text: str, pick: random.Random) -> tuple[str, str]:
    """Two contiguous parts, the cut between 30% and 70% of the way in."""
    cut = pick.randint(int(len(text) * 0.3), int(len(text) * 0.7))
    return text[:cut], text[cut:]


def train(texts: list[str], dim: int, epochs: int, batch: int, lr: float, temperature: float, seed: int,
          device: str) -> np.ndarray:
    """(2**BITS, dim) vectors; n-grams no training text has keep their random start."""
    import torch
    from torch.nn import functional

    torch.manual_seed(seed)
    pick = random.Random(seed)
    table = torch.nn.EmbeddingBag(1 << BITS, dim, mode="sum", sparse=True).to(device)
    torch.nn.init.normal_(table.weight, std=0.1)
    optimiser = torch.optim.SparseAdam(table.parameters(), lr=lr)

    def embed(parts: list[str]):
        rows = [weighted(part) for part in parts]
        offsets = np.cumsum([0] + [len(ids) for ids, _ in rows[:-1]])
        ids = torch.from_numpy(np.concatenate([ids for ids, _ in rows])).to(device)
        values = torch.from_numpy(np.concatenate([values for _, values in rows])).float().to(device)
        return functional.normalize(table(ids, torch.from_numpy(offsets).to(device), per_sample_weights=values), dim=1)

    batch = min(batch, len(texts))
    for epoch in range(epochs):
        order = list(range(len(texts)))
        pick.shuffle(order)
        total, steps = 0.0, 0
        for start in range(0, len(order) - batch + 1, batch):
            pairs = [halves(texts[at], pick) for at in order[start:start + batch]]
            logits = embed([a for a, _ in pairs]) @ embed([b for _, b in pairs]).T / temperature
            wanted = torch.arange(len(pairs), device=device)
            loss = (functional.cross_entropy(logits, wanted) + functional.cross_entropy(logits.T, wanted)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total, steps = total + loss.item(), steps + 1
        log(f"epoch {epoch + 1}/{epochs}: loss {total / max(steps, 1):.3f}")
    return table.weight.detach().cpu().numpy()


def main(argv: list[str] | None = None) -> None:
    parser = corpus_parser(__doc__.splitlines()[0], "the .npz to write")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--keep", type=int, default=50000, help="n-grams kept, the most frequent first")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    machine_options(parser)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    texts = [text for text in map(clean, texts_of(args)) if len(text) >= MIN_CHARS]
    log(f"topic vectors from {len(texts):,} texts")
    vectors = train(texts, args.dim, args.epochs, args.batch, args.lr, args.temperature, args.seed, args.device)
    frequencies = document_frequencies(texts)
    kept = np.sort(np.argsort(-frequencies, kind="stable")[:args.keep])
    kept = kept[frequencies[kept] > 0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, buckets=kept.astype(np.int64), vectors=vectors[kept].astype(np.float16))
    log(f"wrote {args.out}: {len(kept):,} n-grams x {args.dim}")


if __name__ == "__main__":
    main()
