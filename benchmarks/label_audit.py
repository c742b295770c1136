"""How many of the bundled model's test-split mistakes are the corpus's own label errors:
``python benchmarks/label_audit.py --datasets DIR [--show]``.

``benchmarks/data/label_audit.jsonl`` holds a human reading of 80 of the model's mistakes on the
fixed test split (40 it was surest about, 40 drawn at random with NumPy seed 0), keyed by the sha1
of the normalised review so that no review text is copied into the repository. Each verdict says
whether the corpus label is right, wrong, or whether the review is mixed or carries no sentiment.
The random sample estimates the share of all mistakes that are label errors, with a 95% Wilson
interval, and so how much of the distance to the accuracy target is noise in the labels.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.models.backends.lite import LiteBackend  # noqa: E402
from sentiment.training.data import digest, load_split  # noqa: E402

AUDIT = Path(__file__).resolve().parent / "data" / "label_audit.jsonl"
VERDICTS = ("mislabelled", "label_right", "mixed", "no_sentiment")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% interval for a proportion from a small sample; unlike p ± 2σ it stays inside [0, 1]."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--show", action="store_true", help="print every audited review with its verdict")
    args = parser.parse_args()

    _, test = load_split([args.datasets / "waimai_10k.csv", args.datasets / "online_shopping_10_cats.zip"])
    by_hash = {digest(e.text): e for e in test}
    backend = LiteBackend()
    positive = backend.labels[1]
    mistakes = sum(
        (p.scores[positive] > 0.5) != e.label for p, e in zip(backend.predict([e.text for e in test]), test)
    )
    rows = [json.loads(line) for line in AUDIT.read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = [r["sha1"] for r in rows if r["sha1"] not in by_hash]
    if missing:
        print(f"{len(missing)} audited reviews are not in this test split; wrong --datasets?", file=sys.stderr)
        return 2

    print(f"bundled model ({backend.name}): {mistakes} mistakes on {len(test)} test reviews "
          f"(accuracy {1 - mistakes / len(test):.2%})\n")
    print("| sample | " + " | ".join(VERDICTS) + " |")
    print("|---|" + "---|" * len(VERDICTS))
    for sample in ("most_confident", "random"):
        counts = Counter(r["verdict"] for r in rows if r["sample"] == sample)
        print(f"| {sample} ({sum(counts.values())}) | " + " | ".join(str(counts[v]) for v in VERDICTS) + " |")

    random_rows = [r for r in rows if r["sample"] == "random"]
    wrong = sum(r["verdict"] == "mislabelled" for r in random_rows)
    low, high = wilson(wrong, len(random_rows))
    share = wrong / len(random_rows)
    print(f"\nlabel errors among the mistakes: {share:.0%} (95% interval {low:.0%}–{high:.0%}), about "
          f"{share * mistakes:.0f} reviews; fixing the labels of those mistakes alone would put the accuracy at "
          f"{1 - (1 - share) * mistakes / len(test):.1%} ({1 - (1 - low) * mistakes / len(test):.1%}–"
          f"{1 - (1 - high) * mistakes / len(test):.1%})")

    if args.show:
        for r in rows:
            e = by_hash[r["sha1"]]
            print(f"{r['sample']:15s} label {e.label} {r['verdict']:13s} {e.text[:80]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
