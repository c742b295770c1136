"""Typed labels offline: the bundled e5 encoder's zero-shot answers on the topic-labelled test splits.

    python benchmarks/typed_labels.py --datasets ../shared/datasets [--out benchmarks/results/typed_labels.md]

The two tasks of ``sentiment.training.label_sources`` (the ten product categories of
online_shopping_10_cats, the ten aspects of bdci_car_2018), scored on their whole test splits
(the fixed hash rule; the template and scales were fitted on a sample of the training splits).
Side by side: single-label accuracy, macro-F1, ECE of the top score, and, with ``multi_label``,
how often the true label is the only one over 0.5; then texts/s with 10 labels. The hidden sets
the issue scores on (feedback routing, food-delivery aspects, product categories, intents) are
not in shared/, so these two are the figures that can be measured here.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import publish  # noqa: E402
from sentiment.evaluation.metrics import expected_calibration_error, macro_f1  # noqa: E402
from sentiment.models.custom.embedding_zero_shot import EmbeddingZeroShot, probabilities  # noqa: E402
from sentiment.training.data import is_test  # noqa: E402
from sentiment.training.e5_zero_shot import topic_rows  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "e5-zero-shot")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    model = EmbeddingZeroShot(args.model, threads=2)
    lines = [f"`python benchmarks/typed_labels.py`: {model.name}, template `{model.template}`, "
             f"prefixes `{model.meta['text_prefix']}` / `{model.meta['label_prefix']}`; every test text.\n",
             "| task | labels | test texts | accuracy | macro-F1 | ECE (top score) | multi-label: only the true label over 0.5 | texts/s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, rows in topic_rows(args.datasets).items():
        test = [(text, label) for text, label in rows if is_test(text)]
        labels = sorted({label for _, label in test})
        texts, truth = [text for text, _ in test], [label for _, label in test]
        started = time.perf_counter()
        cosines = model.similarities(texts, labels)
        rate = len(texts) / (time.perf_counter() - started)
        single = probabilities(cosines, False, model.meta)
        predicted = [labels[at] for at in single.argmax(1)]
        hits = [p == t for p, t in zip(predicted, truth)]
        multi = probabilities(cosines, True, model.meta) > 0.5
        alone = np.mean([row.sum() == 1 and row[labels.index(t)] for row, t in zip(multi, truth)])
        lines.append(f"| {name} | {len(labels)} | {len(texts):,} | {np.mean(hits):.1%} | "
                     f"{macro_f1(truth, predicted, labels):.3f} | {expected_calibration_error(single.max(1), hits):.3f} | "
                     f"{alone:.1%} | {rate:.0f} |")
    publish("\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
