"""Every figure of MODEL_CARD.md, measured in one run: ``python benchmarks/model_card.py --datasets DIR``.

The bundled model and snownlp (``SnowNLP(text).sentiments``, the library a user would
otherwise pick) are scored side by side on the fixed test split and on the challenge
set in ``tests/data/challenge.jsonl``; latency is per ~100-character review, one text
at a time, in-process on one core. Prints markdown tables.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable, Sequence

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the latency target says

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.models.backends.embedded import EmbeddedBackend  # noqa: E402
from sentiment.training.data import load_split  # noqa: E402
from sentiment.evaluation.metrics import accuracy, expected_calibration_error, macro_f1  # noqa: E402

CHALLENGE = ROOT / "tests" / "data" / "challenge.jsonl"
Scorer = Callable[[str], float]  # probability that a text is positive


def bundled_scorer(path: Path | None = None) -> Scorer:
    backend = EmbeddedBackend(path) if path else EmbeddedBackend()
    positive = backend.labels[1]
    return lambda text: backend.predict([text])[0].scores[positive]


def snownlp_scorer() -> Scorer:
    from snownlp import SnowNLP

    return lambda text: SnowNLP(text).sentiments


def score(scorer: Scorer, texts: Sequence[str]) -> tuple[list[float], float]:
    started = time.perf_counter()
    probabilities = [scorer(text) for text in texts]
    return probabilities, time.perf_counter() - started


def quality(probabilities: Sequence[float], labels: Sequence[int]) -> dict:
    predicted = [int(p > 0.5) for p in probabilities]
    confidences = [max(p, 1 - p) for p in probabilities]
    return {
        "accuracy": accuracy(labels, predicted),
        "macro_f1": macro_f1(labels, predicted, [0, 1]),
        "ece": expected_calibration_error(confidences, [p == t for p, t in zip(predicted, labels)]),
    }


def latency_ms(scorer: Scorer, texts: Sequence[str], repeats: int = 3) -> tuple[float, float]:
    timings = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            scorer(text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--model", type=Path, default=None, help="bundled model file (default: the shipped one)")
    args = parser.parse_args()

    _, test = load_split([args.datasets / "waimai_10k.csv", args.datasets / "online_shopping_10_cats.zip"])
    texts, labels = [e.text for e in test], [e.label for e in test]
    hundred = [t for t in texts if 90 <= len(t) <= 110][:300]
    challenge = [json.loads(line) for line in CHALLENGE.read_text(encoding="utf-8").splitlines() if line.strip()]

    models = {"bundled (this project)": bundled_scorer(args.model), "snownlp 0.12.3": snownlp_scorer()}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}\n")
    print(f"## Fixed test split ({len(test)} reviews: waimai_10k + online_shopping_10_cats)\n")
    print("| model | accuracy | macro-F1 | ECE | p50 ms / ~100-char review | p99 ms | reviews/s (whole split) |")
    print("|---|---|---|---|---|---|---|")
    by_kind_rows = []
    for name, scorer in models.items():
        probabilities, seconds = score(scorer, texts)
        q = quality(probabilities, labels)
        p50, p99 = latency_ms(scorer, hundred)
        print(f"| {name} | {q['accuracy']:.2%} | {q['macro_f1']:.2%} | {q['ece']:.3f} | {p50:.2f} | {p99:.2f} "
              f"| {len(texts) / seconds:,.0f} |")
        per_kind = defaultdict(list)
        for case in challenge:
            per_kind[case["kind"]].append(int(scorer(case["review"]) > 0.5) == case["label"])
        by_kind_rows.append((name, per_kind))

    kinds = list(by_kind_rows[0][1])
    print(f"\n## Challenge set ({len(challenge)} hand-labelled cases, tests/data/challenge.jsonl)\n")
    print("| model | " + " | ".join(f"{k} ({len(by_kind_rows[0][1][k])})" for k in kinds) + " | all |")
    print("|---|" + "---|" * (len(kinds) + 1))
    for name, per_kind in by_kind_rows:
        cells = [f"{sum(per_kind[k]) / len(per_kind[k]):.0%}" for k in kinds]
        total = sum(sum(v) for v in per_kind.values()) / sum(len(v) for v in per_kind.values())
        print(f"| {name} | " + " | ".join(cells) + f" | {total:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
