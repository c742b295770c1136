"""Are the highlights faithful to the model? Deleting the top highlighted span must move the model's
probability of its label more than deleting a random span of the same length.

    python benchmarks/faithfulness.py --datasets ../shared/datasets [--reviews 500] [--out benchmarks/results/faithfulness.md]

Reviews: the first N of the fixed test split (waimai_10k + online_shopping_10_cats, the fixed hash rule),
shuffled with a fixed seed. For each, ``explain: true``'s method (``models.highlights``: occlusion) gives
the top span; the drop in the label's probability when that span is deleted is compared with the drop
for a random span of the same length (seeded). Also the milliseconds that explaining one review costs,
median, on 2 threads, beside the plain answer's.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import publish  # noqa: E402
from served import service_for  # noqa: E402
from sentiment.models.highlights import highlights  # noqa: E402
from sentiment.training.sources import read_sources, split_records  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--reviews", type=int, default=500)
    parser.add_argument("--models", nargs="+", default=["bundled", "bundled-fast", "bundled-lite"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sources = read_sources(args.datasets)
    test = split_records(sources["waimai"])[1] + split_records(sources["online_shopping"])[1]
    pick = random.Random(7)
    texts = [r.text for r in pick.sample(test, args.reviews)]
    lines = [f"{len(texts)} reviews of the fixed test split (seeded sample); method: occlusion (each character "
             "left out in turn; sentences for texts over 300 characters), top span by weight toward the label.", "",
             "| model | top span moves the label more than a random span of its length | ms per review, plain | "
             "ms per review, with explain (median) |", "|---|---:|---:|---:|"]
    for model in args.models:
        service = service_for(model)
        wins, plain_ms, explain_ms = 0, [], []
        for text in texts:
            started = time.perf_counter()
            (answer,) = service.analyse([text])
            plain_ms.append((time.perf_counter() - started) * 1000)
            (spans,) = highlights(service, [text], [answer])
            explain_ms.append((time.perf_counter() - started) * 1000)
            label = answer["label"]
            base = service.probabilities([text])[0][label]
            if not spans or spans[0]["weights"][label] <= 0:
                continue  # nothing pushed toward the verdict: counted as a miss
            top = spans[0]
            length = top["end"] - top["start"]
            start = pick.randrange(0, max(1, len(text) - length + 1))
            deleted = [text[:top["start"]] + text[top["end"]:], text[:start] + text[start + length:]]
            after = [p[label] for p in service.probabilities([d if d.strip() else "。" for d in deleted])]
            wins += (base - after[0]) > (base - after[1])
        lines.append(f"| {model} | {wins / len(texts):.1%} ({wins} of {len(texts)}) | "
                     f"{statistics.median(plain_ms):.1f} | {statistics.median(explain_ms):.1f} |")
    publish("\n".join(lines) + "\n", args.out, "# Highlights: faithfulness and cost\n\n"
            "`python benchmarks/faithfulness.py --datasets ../shared/datasets --out benchmarks/results/faithfulness.md`\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
