"""Classifiers taught from a user's own examples, offline, in seconds.

Features are hashed character 1–2-grams (the bundled n-gram model's hashing): sublinear term
frequency times each n-gram's inverse document frequency over all the text in ../shared
(``models/idf.npz``, written by ``sentiment.training.idf``), each text's vector scaled to length
one; beside them, where cross-validation on the examples says it helps, the text's topic vector
(``topics``). The model is a multinomial logistic regression fitted by L-BFGS. Chosen by
``benchmarks/few_shot.py`` (shopping categories and car-forum aspects, 8/16/32 examples per
label): the bundled BiGRU's sentence vector, trained for sentiment, scored far below n-grams
alone or beside them; corpus IDF added 5 to 6 points; 1–2-grams beat 1–3-grams with IDF; topic
vectors added 11 to 17 points on the shopping categories and cost 5 to 11 on the car aspects,
hence the choice by cross-validation rather than always or never.

With an L2 penalty and weights starting at zero, a feature no example has keeps weight zero, so
only the columns the examples use are stored: a classifier is a few hundred kilobytes of npz.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.custom import topics
from sentiment.models.custom.label_set import MAX_LABEL_CHARS
from sentiment.models.deadline import check
from sentiment.models.features import tf_vector
from sentiment.models.prediction import Prediction, from_logits

MAX_N, BITS = 2, 18
OTHER = "其他"  # an off-topic text is not forced into a label (``TaughtClassifier.decide``)
# Cross-validation sets both bounds of 其他: the confidence that this share of its right answers reach, and
# the topic similarity to the nearest example that this share of held-out examples reach.
SHARE_ABOVE = 0.9
IDF_PATH = Path(__file__).resolve().parents[3] / "models" / "idf.npz"
FEATURES = f"char 1-{MAX_N}-grams, {1 << BITS} hashed buckets, sublinear tf x corpus idf, l2"
C = 30.0  # inverse L2 strength, as scikit-learn's C; 10 and 100 measured alike on the benchmark
# Scale of the topic vector beside the n-grams (both of length one), tried in this order by
# cross-validation; 0.75 to 1.5 measured alike on the shopping categories.
TOPIC_WEIGHTS = (1.0, 0.0)


class InvalidExamples(ValueError):
    """A teaching set that cannot make a classifier; ``code`` is stable, ``message`` Chinese."""

    def __init__(self, code: str, message: str, **extra: object):
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


@lru_cache(maxsize=1)
def idf() -> np.ndarray:
    with np.load(IDF_PATH, allow_pickle=False) as saved:
        if (int(saved["max_n"]), int(saved["bits"])) != (MAX_N, BITS):
            raise ValueError(f"{IDF_PATH} was written for other n-grams; rebuild it with sentiment.training.idf")
        return saved["idf"].astype(np.float64)


def weighted(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(bucket ids, tf-idf values of length one) of one text."""
    ids, counts = tf_vector(text, MAX_N, BITS)
    values = counts * idf()[ids]
    return ids, values / np.linalg.norm(values)


def features(texts: Sequence[str]):
    """(texts, 2**BITS) sparse tf-idf rows, each of length one."""
    from scipy.sparse import csr_matrix

    data, columns, starts = [], [], [0]
    for text in texts:
        ids, values = weighted(text)
        data.append(values)
        columns.append(ids)
        starts.append(starts[-1] + len(ids))
    return csr_matrix((np.concatenate(data), np.concatenate(columns), starts), shape=(len(texts), 1 << BITS))


def design(texts: Sequence[str], topic_weight: float):
    """What the regression reads: the n-gram rows, then the topic vectors times ``topic_weight``."""
    from scipy.sparse import csr_matrix, hstack

    matrix = features(texts)
    if not topic_weight:
        return matrix
    return hstack([matrix, csr_matrix(topic_weight * topics.embed_rows(matrix))], format="csr")


def logistic_regression(matrix, targets: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(weights (classes, columns), bias) minimising mean cross-entropy + ||W||^2 / (2 C n)."""
    from scipy.optimize import minimize

    rows, columns = matrix.shape
    onehot = np.eye(classes)[targets]

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = flat[:-classes].reshape(classes, columns), flat[-classes:]
        logits = matrix @ weights.T + bias
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        value = -np.log(probabilities[np.arange(rows), targets] + 1e-12).mean()
        value += (weights ** 2).sum() / (2 * C * rows)
        error = (probabilities - onehot) / rows
        gradient = np.concatenate([(matrix.T @ error).T.ravel() + weights.ravel() / (C * rows), error.sum(axis=0)])
        return value, gradient

    result = minimize(loss, np.zeros(classes * columns + classes), jac=True, method="L-BFGS-B",
                      options={"maxiter": 500})
    return result.x[:-classes].reshape(classes, columns), result.x[-classes:]


def _regression(matrix, targets: Sequence[int], classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the columns the rows use, the n-gram ones sorted then every topic column; weights over those
    columns; bias): only those columns are fitted and kept."""
    matrix = matrix.tocsc()
    grams = 1 << BITS
    used = np.concatenate([np.flatnonzero(np.diff(matrix.indptr[:grams + 1])), np.arange(grams, matrix.shape[1])])
    weights, bias = logistic_regression(matrix[:, used].tocsr(), np.asarray(targets), classes)
    return used.astype(np.int64), weights, bias


@dataclass
class TaughtClassifier:
    name: str
    labels: tuple[str, ...]
    columns: np.ndarray  # the hashed buckets the examples use, sorted
    weights: np.ndarray  # (labels, columns)
    bias: np.ndarray  # (labels,)
    report: dict = field(default_factory=dict)  # the teaching report; "threshold" below which a text is OTHER
    # (labels, topic dims), the topic weight folded in; no columns when the classifier reads no topics
    topic: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    # (examples, topic dims): each example's topic vector, for how like any example a text is (none: not checked)
    examples: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float16))

    @classmethod
    def fit(cls, name: str, texts: Sequence[str], labels: Sequence[str], report: dict | None = None,
            topic_weight: float = 0.0) -> "TaughtClassifier":
        return cls.from_design(name, design(texts, topic_weight), labels, report, topic_weight)

    @classmethod
    def from_design(cls, name: str, matrix, labels: Sequence[str], report: dict | None = None,
                    topic_weight: float = 0.0) -> "TaughtClassifier":
        """Fitted on rows ``design`` has already made (cross-validation makes them once for all folds)."""
        classes = tuple(sorted(set(labels)))
        used, weights, bias = _regression(matrix, [classes.index(l) for l in labels], len(classes))
        grams = int((used < 1 << BITS).sum())
        return cls(name, classes, used[:grams], weights[:, :grams].astype(np.float32), bias.astype(np.float32),
                   report or {}, (topic_weight * weights[:, grams:]).astype(np.float32))

    @property
    def threshold(self) -> float:
        return float(self.report.get("threshold", 0.0))

    def decide(self, texts: Sequence[str], predictions: Sequence[Prediction], threshold: float | None = None
               ) -> list[str]:
        """Each text's label, or ``OTHER`` when the classifier is less sure than ``threshold`` (its own by
        default) or the text is less like any example than cross-validation's held-out examples were (the
        report's ``similarity``): 东西不错，下次还来 is none of 物流问题, 商品质量, 售后体验. A threshold of 0
        turns 其他 off."""
        threshold = self.threshold if threshold is None else threshold
        similar = self.report.get("similarity", 0.0) if threshold > 0 and self.examples.size else 0.0
        nearest = _nearest(topics.embed_rows(features(texts)), self.examples) if similar else np.ones(len(texts))
        return [OTHER if p.scores[p.label] < threshold or near < similar else p.label
                for p, near in zip(predictions, nearest)]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Softmax over the labels; n-grams the examples never had count for nothing."""
        logits = np.tile(self.bias, (len(texts), 1)).astype(np.float64)
        for row, text in enumerate(texts):
            ids, values = weighted(text)
            at = np.searchsorted(self.columns, ids)
            known = (at < len(self.columns)) & (self.columns[np.minimum(at, len(self.columns) - 1)] == ids)
            logits[row] += self.weights[:, at[known]] @ values[known]
            if self.topic.size:
                logits[row] += self.topic @ topics.embed(ids, values)
        return from_logits(logits, self.labels)


def _nearest(vectors: np.ndarray, examples: np.ndarray) -> np.ndarray:
    """Each vector's cosine similarity to its nearest example (both of unit length)."""
    return (vectors @ examples.astype(np.float32).T).max(axis=1)


def _refuse_swapped(texts: list[str], labels: list[str], max_labels: int) -> None:
    """Texts and labels in each other's places (a file with text,label the wrong way round, or typed so):
    the "labels" are nearly all different and the "texts" are a few values, so say that, not "each label
    needs 4 examples" followed by every text."""
    distinct_texts, distinct_labels = set(texts), set(labels)
    if len(distinct_texts) <= max_labels and len(distinct_labels) > max(len(distinct_texts), len(labels) // 2):
        raise InvalidExamples("swapped_columns", f"看起来文本和标签两列放反了：“{labels[0]}”像是文本，“{texts[0]}”像是标签。"
                              "请交换两列后再教。", labels=sorted(distinct_texts))


def check_examples(rows: Sequence[tuple[object, object]], min_per_label: int, max_examples: int,
                   max_chars: int, max_labels: int) -> tuple[list[str], list[str]]:
    """Texts and labels, stripped; refuses what cannot teach (too few labels or examples, bad rows) and
    what would cost too much: teaching time grows with labels × examples (100 labels took 101 s)."""
    if len(rows) > max_examples:
        raise InvalidExamples("too_many_examples", f"最多 {max_examples} 条示例，收到 {len(rows)} 条。",
                              max_examples=max_examples)
    texts, labels = [], []
    for number, (text, label) in enumerate(rows, start=1):
        if not isinstance(text, str) or not text.strip():
            raise InvalidExamples("invalid_example", f"第 {number} 条示例的文本是空的或不是字符串。", row=number)
        if not isinstance(label, str) or not label.strip():
            raise InvalidExamples("invalid_example", f"第 {number} 条示例的标签是空的或不是字符串。", row=number)
        if len(text) > max_chars or len(label.strip()) > MAX_LABEL_CHARS:
            raise InvalidExamples("invalid_example",
                                  f"第 {number} 条示例太长（文本上限 {max_chars} 字，标签 {MAX_LABEL_CHARS} 字）。",
                                  row=number)
        texts.append(text.strip())
        labels.append(label.strip())
    _refuse_swapped(texts, labels, max_labels)
    counts = {label: labels.count(label) for label in dict.fromkeys(labels)}
    if len(counts) < 2:
        raise InvalidExamples("too_few_labels", "至少需要 2 个不同的标签才能教分类器。", labels=list(counts))
    if len(counts) > max_labels:
        raise InvalidExamples("too_many_labels", f"最多 {max_labels} 个标签，收到 {len(counts)} 个。",
                              max_labels=max_labels)
    few = {label: n for label, n in counts.items() if n < min_per_label}
    if few:
        listed = "、".join(f"{label}（{n} 条）" for label, n in few.items())
        raise InvalidExamples("too_few_examples", f"每个标签至少需要 {min_per_label} 条示例：{listed}。",
                              min_per_label=min_per_label, labels=few)
    return texts, labels


def cross_validated(texts: Sequence[str], labels: Sequence[str], topic_weight: float = 0.0, seed: int = 0,
                    matrix=None, deadline: float | None = None) -> dict:
    """Accuracy overall and per label from k-fold cross-validation (k = 5, or fewer when a label has
    fewer examples), each label's examples dealt round-robin into the folds after a seeded shuffle.
    The texts' rows (``design``) are made once, or given, and each fold fits on its share of them."""
    matrix = (design(texts, topic_weight) if matrix is None else matrix).tocsr()
    classes = sorted(set(labels))
    targets = np.array([classes.index(label) for label in labels])
    folds = min(5, min(labels.count(label) for label in set(labels)))
    fold_of = np.zeros(len(texts), dtype=int)
    pick = random.Random(seed)
    for label in sorted(set(labels)):
        members = [at for at, l in enumerate(labels) if l == label]
        pick.shuffle(members)
        for position, at in enumerate(members):
            fold_of[at] = position % folds
    right = np.zeros(len(texts), dtype=bool)
    sure = np.zeros(len(texts))
    for fold in range(folds):
        check(deadline)
        train = np.flatnonzero(fold_of != fold)
        held = np.flatnonzero(fold_of == fold)
        used, weights, bias = _regression(matrix[train], targets[train], len(classes))
        logits = np.asarray(matrix[held][:, used] @ weights.T) + bias  # n-grams only held-out rows have count for nothing
        right[held] = logits.argmax(axis=1) == targets[held]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        sure[held] = (exp / exp.sum(axis=1, keepdims=True)).max(axis=1)
    per_label = {label: round(float(np.mean([right[at] for at, l in enumerate(labels) if l == label])), 4)
                 for label in sorted(set(labels))}
    threshold = float(np.quantile(sure[right], 1 - SHARE_ABOVE)) if right.any() else 0.0
    return {"accuracy": round(float(right.mean()), 4), "per_label": per_label, "folds": folds,
            "threshold": round(threshold, 4), "similarity": round(_held_out_similarity(matrix, fold_of, folds), 4)}


def _held_out_similarity(matrix, fold_of: np.ndarray, folds: int) -> float:
    """The topic similarity to the nearest example of the other folds that ``SHARE_ABOVE`` of the examples
    reach: a text less like any example than that is off the classifier's topics."""
    vectors = topics.embed_rows(matrix[:, : 1 << BITS])
    nearest = np.zeros(len(fold_of))
    for fold in range(folds):
        held = fold_of == fold
        nearest[held] = _nearest(vectors[held], vectors[~held])
    return float(np.quantile(nearest, 1 - SHARE_ABOVE))


def teach(name: str, texts: Sequence[str], labels: Sequence[str], deadline: float | None = None) -> TaughtClassifier:
    """Cross-validate each topic weight, keep the best (the first on a tie), then fit on every
    example; the report travels with the classifier. Stops (``OutOfTime``) between two fits once
    ``deadline`` has passed."""
    rows = {weight: design(texts, weight) for weight in TOPIC_WEIGHTS}
    tried = {weight: cross_validated(texts, labels, weight, matrix=rows[weight], deadline=deadline)
             for weight in TOPIC_WEIGHTS}
    check(deadline)
    best = max(TOPIC_WEIGHTS, key=lambda weight: tried[weight]["accuracy"])
    report = {"examples": len(texts), "counts": {label: labels.count(label) for label in sorted(set(labels))},
              "cross_validation": tried[best], "features": FEATURES + (", topic vectors" if best else ""),
              "threshold": tried[best]["threshold"], "similarity": tried[best]["similarity"],
              "topic_weight": best,
              "topic_weights_tried": {str(weight): tried[weight]["accuracy"] for weight in TOPIC_WEIGHTS}}
    taught = TaughtClassifier.from_design(name, rows[best], labels, report, best)
    taught.examples = topics.embed_rows(rows[0.0]).astype(np.float16)
    return taught
