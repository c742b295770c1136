"""The confidence above which two disagreeing sentences make a text "mixed" (``explain.MIXED_CONFIDENCE``).

    python benchmarks/mixed.py --datasets ../shared/datasets [--out benchmarks/results/mixed.md]

Labelled data: the restaurant aspect sentences of 130.Chinese_Zhang, whose opinion triplets say which
aspects are praised and which criticised; a sentence with both a POS and a NEG triplet is mixed, any
other is not. Thresholds are tried on the training half (the fixed hash rule; at most --sample
sentences) and the best by F1 is reported on the test half, for each bundled model that answers polarity.
"""
from __future__ import annotations

import argparse
import ast
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import publish  # noqa: E402
from served import service_for  # noqa: E402
from sentiment.models.explain import analyse_with_sentences  # noqa: E402
from sentiment.training.data import is_test, normalise  # noqa: E402

THRESHOLDS = [round(0.5 + 0.05 * step, 2) for step in range(10)]


def sentences(folder: Path) -> list[tuple[str, bool]]:
    """(sentence, mixed) for every triplet-labelled sentence."""
    rows = []
    for name in ("train.txt", "dev.txt", "test.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            text, _, triplets = line.partition("####")
            if triplets:
                signs = {t[2] for t in ast.literal_eval(triplets)}
                rows.append((text.replace(" ", ""), {"POS", "NEG"} <= signs))
    return rows


def scores(found: list[bool], truth: list[bool]) -> tuple[float, float, float]:
    hits = sum(f and t for f, t in zip(found, truth))
    precision = hits / max(sum(found), 1)
    recall = hits / max(sum(truth), 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def confident_pair(answer: dict) -> float:
    """The highest threshold at which this answer would be mixed (0 when it never would)."""
    best = {"Positive": 0.0, "Negative": 0.0}
    for sentence in answer["sentences"]:
        if sentence["sentiment"] in best:
            best[sentence["sentiment"]] = max(best[sentence["sentiment"]], sentence["confidence"])
    return min(best.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = sentences(args.datasets / "more" / "absa" / "130.Chinese_Zhang")
    train = [row for row in rows if not is_test(normalise(row[0]))]
    test = [row for row in rows if is_test(normalise(row[0]))]
    train = random.Random(0).sample(train, min(args.sample, len(train)))
    lines = [f"{len(train)} training-half sentences ({sum(m for _, m in train)} mixed), {len(test)} test-half "
             f"({sum(m for _, m in test)} mixed).", "",
             "| model | threshold (best F1 on the training half) | test precision | test recall | test F1 |",
             "|---|---:|---:|---:|---:|"]
    for model in ("bundled", "bundled-fast", "bundled-3way"):
        service = service_for(model)
        pairs = {name: [confident_pair(a) for a in analyse_with_sentences(service, [t for t, _ in part])]
                 for name, part in (("train", train), ("test", test))}
        truth = {"train": [m for _, m in train], "test": [m for _, m in test]}
        best = max(THRESHOLDS, key=lambda t: scores([p >= t for p in pairs["train"]], truth["train"])[2])
        precision, recall, f1 = scores([p >= best for p in pairs["test"]], truth["test"])
        lines.append(f"| {model} | {best:.2f} | {precision:.1%} | {recall:.1%} | {f1:.3f} |")
    publish("\n".join(lines) + "\n", args.out, "# When a text is mixed: the threshold, measured\n\n"
            "`python benchmarks/mixed.py --datasets ../shared/datasets --out benchmarks/results/mixed.md`\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
