"""Aspects measured on the shared aspect data's test splits, against a stated baseline; writes its table.

- ``130.Chinese_Zhang`` test file (restaurant sentences, opinion triplets): target extraction
  precision/recall/F1 (exact spans, explicit targets), and polarity accuracy of the clause around each
  opinion: the bundled three-way model alone (the baseline), the n-gram aspect model, both combined (what
  ships), and with the turn rule; on the annotators' labels and on the product's (``LUKEWARM`` as 中性).
- ``bdci_car_2018``, test split by the fixed rule (sha1 of the normalised comment % 10 == 0): category
  detection micro-F1 and category-and-polarity micro-F1 per comment, for the car set's seed words with
  the three-way model's clause label (the baseline), the shipped reader, and the reader with terms taught
  (``teach.learn_terms``) from the training split's comments: all, and 8 per category.
- Speed: reviews per second of ``AspectReader.read`` over 500 food-delivery reviews (waimai test split).

    python benchmarks/aspects.py ../shared/datasets --out benchmarks/results/aspects.md
"""
from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.served import service_for  # noqa: E402
from sentiment.models.aspects.polarity import LABELS, AspectPolarity, in_order  # noqa: E402
from sentiment.models.aspects.reader import AspectReader, Mention  # noqa: E402
from sentiment.models.aspects.sets import AspectSet, ready_made  # noqa: E402
from sentiment.models.aspects.teach import learn_terms  # noqa: E402
from sentiment.models.sentences import TURNS  # noqa: E402
from sentiment.training.aspects import clause_around, read_zhang, units  # noqa: E402
from sentiment.training.data import deduplicate, is_test, normalise, read_corpus  # noqa: E402

MODEL = "bundled-fast-3way"
BDCI_POLARITY = {"-1": "负面", "0": "中性", "1": "正面"}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-9)


def zhang(reader: AspectReader, folder: Path) -> list[str]:
    sentences = read_zhang(folder / "test.txt")
    restaurant = ready_made()["restaurant"]
    texts = [text for text, _ in sentences]
    rows = ["Opinions reached: gold opinions that start inside a mention (recall), and mentions that hold a gold",
            "opinion (precision), for the restaurant set with and without the 口味 dishes learned from the training file:", "",
            "| set | mentions | precision | recall |", "|---|---:|---:|---:|"]
    for name, aspect_set in (("hand-written words only", with_terms(restaurant, {})),
                             ("+ learned dishes (ships)", restaurant)):
        mentions = reader.preprocess(texts, aspect_set)
        held = sum(any(m.start <= t.opinion[0] < m.end for t in triplets) for (_, triplets), ms in zip(sentences, mentions)
                   for m in ms)
        reached = sum(any(m.start <= t.opinion[0] < m.end for m in ms) for (_, triplets), ms in zip(sentences, mentions)
                      for t in triplets)
        total = sum(len(ms) for ms in mentions)
        rows.append(f"| {name} | {total} | {held / total:.3f} | {reached / sum(len(t) for _, t in sentences):.3f} |")
    rows += ["", "| targets found by | precision | recall | F1 |", "|---|---:|---:|---:|"]
    found = reader.preprocess(texts, restaurant)
    for name, pick in (("the set's target words alone (baseline)", "set"), ("the set's and the annotators' ones", "all")):
        tp = fp = fn = 0
        for (text, triplets), mentions in zip(sentences, found):
            gold = {t.target for t in triplets if t.target}
            if pick == "set":
                spans = {(h.start, h.end) for h in restaurant.hits(text) if h.kind == "target"}
            else:
                spans = {span for m in mentions for span in m.targets}
            tp, fp, fn = tp + len(gold & spans), fp + len(spans - gold), fn + len(gold - spans)
        rows.append(f"| {name} | {prf(tp, fp, fn)[0]:.3f} | {prf(tp, fp, fn)[1]:.3f} | **{prf(tp, fp, fn)[2]:.3f}** |")
    clauses, product = units(sentences)
    annotators = [t.polarity for _, triplets in sentences for t in triplets]
    model = in_order(reader.service.probabilities(clauses))
    ngram = in_order([p.scores for p in reader.polarity.ngram.predict(clauses)])
    combined = reader.polarity.probabilities(clauses, reader.model, [dict(zip(LABELS, row)) for row in model])
    turned = combined.copy()
    at = 0
    for text, triplets in sentences:  # the turn rule over each sentence's triplets, in text order
        ordered = sorted(range(len(triplets)), key=lambda i: triplets[i].opinion)
        mentions = [Mention(0, 0, (), (), clause_around(text, triplets[i].opinion).startswith(TURNS)) for i in ordered]
        turned[[at + i for i in ordered]] = reader.contrast(mentions, combined[[at + i for i in ordered]])
        at += len(triplets)
    rows += ["", f"Polarity of {len(clauses)} aspects (the clause around each opinion):", "",
             "| read by | annotators' labels | product's labels (还行 … 中性) |", "|---|---:|---:|"]
    for name, p in (("three-way model alone (baseline)", model), ("n-gram aspect model", ngram),
                    ("both combined (ships)", combined), ("combined + turn rule (ships)", turned)):
        labels = [LABELS[i] for i in p.argmax(1)]
        rows.append(f"| {name} | {np.mean([a == b for a, b in zip(labels, annotators)]):.3f} | "
                    f"{np.mean([a == b for a, b in zip(labels, product)]):.3f} |")
    return rows


def bdci_comments(path: Path) -> tuple[dict[str, set], dict[str, set]]:
    """(train, test) comments, each with its gold {(subject, polarity)}."""
    train: dict[str, set] = {}
    test: dict[str, set] = {}
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            (test if is_test(normalise(row["content"])) else train).setdefault(row["content"], set()).add(
                (row["subject"], BDCI_POLARITY[row["sentiment_value"].strip()]))
    return train, test


def with_terms(aspect_set: AspectSet, terms: dict[str, list[str]]) -> AspectSet:
    return replace(aspect_set, categories=tuple(replace(c, learned=tuple(terms.get(c.name, ())))
                                                for c in aspect_set.categories))


def bdci(reader: AspectReader, path: Path) -> list[str]:
    train, test = bdci_comments(path)
    car = ready_made()["car"]
    by_subject: dict[str, list[str]] = {}
    for text, gold in train.items():
        for subject, _ in gold:
            by_subject.setdefault(subject, []).append(text)
    pick = random.Random(0)
    few = {name: pick.sample(texts, 8) for name, texts in by_subject.items()}
    known = {c.name: c.targets + c.opinions for c in car.categories}
    texts = list(test)
    rows = [f"{len(texts)} test comments, {sum(len(g) for g in test.values())} (category, polarity) labels.", "",
            "| reader | category F1 | category + polarity F1 |", "|---|---:|---:|"]
    variants = (("seed words + the three-way model's clause label (baseline)", car, True),
                ("seed words + aspect polarity (ships)", car, False),
                ("+ terms taught from 8 comments per category", with_terms(car, learn_terms(few, known)), False),
                ("+ terms taught from the whole training split", with_terms(car, learn_terms(by_subject, known)), False))
    for name, aspect_set, baseline in variants:
        if baseline:
            found = reader.preprocess(texts, aspect_set)
            clauses = [text[m.start:m.end] for text, ms in zip(texts, found) for m in ms]
            scores = in_order(reader.service.probabilities(clauses)) if clauses else np.zeros((0, 3))
            answers = reader.postprocess(texts, found, scores, aspect_set)
        else:
            answers = reader.read(texts, aspect_set)
        counts = np.zeros((2, 3), dtype=int)
        for text, aspects in zip(texts, answers):
            gold = test[text]
            for row, (got, want) in enumerate((({a["category"] for a in aspects}, {s for s, _ in gold}),
                                               ({(a["category"], a["label"]) for a in aspects}, gold))):
                counts[row] += (len(got & want), len(got - want), len(want - got))
        rows.append(f"| {name} | {prf(*counts[0])[2]:.3f} | {prf(*counts[1])[2]:.3f} |")
    return rows


def _rate(run, reviews: list[str]) -> float:
    """Reviews per second of ``run`` over ``reviews`` in batches of 64, median of 3 runs after a warm-up."""
    run(reviews[:32])
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        for at in range(0, len(reviews), 64):
            run(reviews[at:at + 64])
        seconds.append(time.perf_counter() - started)
    return len(reviews) / statistics.median(seconds)


def speed(reader: AspectReader, datasets: Path) -> list[str]:
    """Aspects alone, the default model's answer (with its sentences, as /api/sentiment gives it), and both,
    side by side in one run."""
    from sentiment.models.explain import analyse_with_sentences

    reviews = [e.text for e in deduplicate(read_corpus(datasets / "waimai_10k.csv")) if is_test(normalise(e.text))][:500]
    restaurant = ready_made()["restaurant"]
    default = service_for("bundled")
    aspects = _rate(lambda batch: reader.read(batch, restaurant), reviews)
    sentiment = _rate(lambda batch: analyse_with_sentences(default, batch), reviews)
    both = _rate(lambda batch: (analyse_with_sentences(default, batch), reader.read(batch, restaurant)), reviews)
    found = sum(1 for a in reader.read(reviews, restaurant) if a)
    return [f"{len(reviews)} food-delivery reviews (waimai test split), batches of 64, median of 3 runs, one run:", "",
            "| pass | reviews/s |", "|---|---:|",
            f"| aspects alone (`{MODEL}` + aspect polarity) | {aspects:.0f} |",
            f"| the default model's answer (`bundled`, with sentences) | {sentiment:.0f} |",
            f"| both: `/api/sentiment` with `aspects` | **{both:.0f}** ({both / sentiment:.0%} of the answer alone) |", "",
            f"{found} of the reviews ({found / len(reviews):.0%}) name at least one category of 餐饮/外卖."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", type=Path, help="../shared/datasets")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    reader = AspectReader(service_for(MODEL), MODEL, AspectPolarity.load())
    more = args.datasets / "more"
    lines = ["# Aspects", "", f"Aspect polarity read with `{MODEL}`; `python benchmarks/aspects.py ../shared/datasets`.",
             "", "## 130.Chinese_Zhang test file (restaurants)", ""]
    lines += zhang(reader, more / "absa" / "130.Chinese_Zhang")
    lines += ["", "## bdci_car_2018 test split (car forum)", ""] + bdci(reader, more / "bdci_car_2018" / "train.csv")
    lines += ["", "## Speed on this machine", ""] + speed(reader, args.datasets)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
