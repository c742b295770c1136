"""``make train-aspects``: what the aspect reader learns from the restaurant aspect sentences.

From ``absa/130.Chinese_Zhang`` (train and dev files; its test file is left for ``benchmarks/aspects.py``):
- ``models/aspects/polarity.npz``: the n-gram polarity model of the clause around each opinion (正面, 中性,
  负面), and per bundled three-way model its combination with that model's scores, fitted on dev;
- ``models/aspects/targets.json``: the target words annotators marked (菜品, 服务员, 鸡煲 …) at least
  twice and in at least ``TARGET_SHARE`` of the times they occur (0.2: the best F1 on dev), shown as
  the target of a mention;
- ``models/aspects/learned.json``: of those, the dishes (烤鸭, 三文鱼 …) — target words the restaurant set
  does not know whose opinions speak of taste (hold one of 口味's opinion words) at least half the time,
  at least twice — learned as 口味's target words, so 烤鸭不错 is about 口味.

    python -m sentiment.training.aspects ../shared/datasets/more/absa/130.Chinese_Zhang
"""
from __future__ import annotations

import argparse
import ast
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sentiment.config import from_env
from sentiment.models.aspects.reader import clause_spans
from sentiment.models.aspects.polarity import LABELS, PATH, AspectPolarity, in_order, stack_features
from sentiment.models.aspects.sets import LEARNED_PATH
from sentiment.models.aspects.targets import TARGETS_PATH
from sentiment.models.backends import load_backend
from sentiment.models.custom.taught import TaughtClassifier, logistic_regression
from sentiment.models.service import SentimentService

POLARITY = {"POS": "正面", "NEU": "中性", "NEG": "负面"}
THREE_WAY_MODELS = ("bundled-fast-3way", "bundled-3way")
TARGET_SHARE = 0.2
# The product calls a lukewarm word lukewarm: 口味还行 is 中性 to a shop owner (issue 24), where the
# annotators of 130.Chinese_Zhang marked 还行/还可以/还好/尚可 正面 (and 一般 中性). A triplet whose opinion
# is one of these, with at most three characters around it (味道还可以吧), is taught as 中性.
LUKEWARM = ("还行", "还可以", "还好", "尚可", "凑合", "过得去", "马马虎虎")


@dataclass(frozen=True)
class Triplet:
    target: tuple[int, int] | None  # None: the aspect is implicit
    opinion: tuple[int, int]
    polarity: str  # one of LABELS


def read_zhang(path: Path) -> list[tuple[str, list[Triplet]]]:
    """Sentences and their triplets, offsets into the joined sentence (a spaced token may be "5" or "10")."""
    sentences = []
    for line in path.read_text(encoding="utf-8").splitlines():
        spaced, triplets = line.split("####")
        tokens = spaced.split(" ")
        starts = np.cumsum([0] + [len(token) for token in tokens])
        found = [Triplet((int(starts[a0]), int(starts[a1 + 1])) if a0 >= 0 else None,
                         (int(starts[o0]), int(starts[o1 + 1])), POLARITY[polarity])
                 for (a0, a1), (o0, o1), polarity in ast.literal_eval(triplets)]
        sentences.append(("".join(tokens), found))
    return sentences


def clause_around(text: str, span: tuple[int, int]) -> str:
    """The clause (``reader.clause_spans``) where ``span`` starts, as the reader scores it."""
    for start, end in clause_spans(text):
        if start <= span[0] < end:
            return text[start:end]
    return text


def product_polarity(text: str, triplet: Triplet) -> str:
    """The triplet's polarity by the product's convention (``LUKEWARM``)."""
    opinion = text[triplet.opinion[0]:triplet.opinion[1]]
    if any(word in opinion and len(opinion) <= len(word) + 3 for word in LUKEWARM):
        return "中性"
    return triplet.polarity


def units(sentences: list[tuple[str, list[Triplet]]]) -> tuple[list[str], list[str]]:
    """(clause, polarity) of every triplet: what the polarity model is taught and scored on."""
    pairs = [(clause_around(text, t.opinion), product_polarity(text, t)) for text, triplets in sentences
             for t in triplets]
    return [clause for clause, _ in pairs], [label for _, label in pairs]


def three_way_scores(model: str, clauses: list[str]) -> np.ndarray:
    service = SentimentService(load_backend({**from_env(), "SENTIMENT_MODEL": model})[0], batch_size=64)
    return in_order([answer["scores"] for answer in service.analyse(clauses)])


def fit_polarity(train: list, dev: list, log=print) -> AspectPolarity:
    clauses, labels = units(train)
    fitted = TaughtClassifier.fit("aspect-polarity", clauses, labels)
    order = [fitted.labels.index(label) for label in LABELS]
    ngram = TaughtClassifier("aspect-polarity", LABELS, fitted.columns, fitted.weights[order], fitted.bias[order])
    dev_clauses, dev_labels = units(dev)
    targets = np.array([LABELS.index(label) for label in dev_labels])
    ngram_dev = in_order([p.scores for p in ngram.predict(dev_clauses)])
    log(f"n-gram polarity on dev: {np.mean(ngram_dev.argmax(1) == targets):.4f} ({len(dev_clauses)} aspects)")
    stacks = {}
    for model in THREE_WAY_MODELS:
        from scipy.sparse import csr_matrix

        features = stack_features(ngram_dev, three_way_scores(model, dev_clauses))
        weights, bias = logistic_regression(csr_matrix(features), targets, len(LABELS))
        stacks[model] = (weights.astype(np.float32), bias.astype(np.float32))
        log(f"{model} combined, fitted on dev: {np.mean((features @ weights.T + bias).argmax(1) == targets):.4f}")
    return AspectPolarity(ngram, stacks)


def mine_targets(sentences: list[tuple[str, list[Triplet]]], share: float = TARGET_SHARE) -> list[str]:
    """Target words marked at least twice and in at least ``share`` of their occurrences."""
    marked = Counter(text[t.target[0]:t.target[1]] for text, triplets in sentences
                     for t in {t.target: t for t in triplets if t.target}.values())
    words = [word for word, count in marked.items() if count >= 2 and len(word) >= 2]
    occurs = Counter({word: sum(text.count(word) for text, _ in sentences) for word in words})
    return sorted(word for word in words if marked[word] / max(occurs[word], 1) >= share)


def dishes(sentences: list[tuple[str, list[Triplet]]], words: list[str]) -> list[str]:
    """The target ``words`` that name dishes: unknown to the restaurant set, judged by taste words."""
    from sentiment.models.aspects.sets import MAX_WORD_CHARS, ready_made

    restaurant = ready_made()["restaurant"]
    taste = next(c for c in restaurant.categories if c.name == "口味").opinions
    judged: dict[str, list[bool]] = {}
    for text, triplets in sentences:
        for t in triplets:
            if t.target:
                opinion = text[t.opinion[0]:t.opinion[1]]
                judged.setdefault(text[t.target[0]:t.target[1]], []).append(any(w in opinion for w in taste))
    return sorted(word for word in words if not restaurant.hits(word) and len(word) <= MAX_WORD_CHARS
                  and sum(judged.get(word, [])) >= 2 and sum(judged[word]) >= len(judged[word]) / 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("zhang", type=Path, help="the 130.Chinese_Zhang folder (train.txt, dev.txt)")
    args = parser.parse_args(argv)
    train, dev = read_zhang(args.zhang / "train.txt"), read_zhang(args.zhang / "dev.txt")
    fit_polarity(train, dev).save(PATH)
    words = mine_targets(train)
    TARGETS_PATH.write_text(json.dumps({"source": "absa/130.Chinese_Zhang train.txt", "share": TARGET_SHARE,
                                        "words": words}, ensure_ascii=False, indent=0), encoding="utf-8")
    dish_words = dishes(train, words)
    LEARNED_PATH.write_text(json.dumps({"source": "absa/130.Chinese_Zhang train.txt, training/aspects.py dishes",
                                        "restaurant": {"口味": dish_words}}, ensure_ascii=False, indent=0),
                            encoding="utf-8")
    print(f"wrote {PATH}, {TARGETS_PATH} ({len(words)} target words) and {LEARNED_PATH} ({len(dish_words)} dishes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
