"""Train the bundled neural models (binary, three-way, emotion heads on one encoder) and export ONNX.

    python -m sentiment.training.train_bundled --datasets ../shared/datasets --out models/bundled

Everything is seeded, so the same data, seed and thread count give the same model on the
same machine. Dev is a fixed tenth of each source's train split (hash remainder 1); the
epoch kept is the one with the best mean dev accuracy over the heads, and each head's
temperature is fitted on dev. The test splits and the SMP2020 evaluation files are never
read here.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

from sentiment.models.char_vocab import CharVocab
from sentiment.models.features import clean
from sentiment.training.augment import clauses_of
from sentiment.training.multitask import (accuracies, batches, corpus, corpus_parser, distillation,
                                          fit_temperature, labels_of, log, machine_options)
from sentiment.training.sources import TASKS, Record

MAX_LEN = 128  # training reads at most this many characters; the service windows longer texts
NAME = "bundled-v2 (char BiGRU, multi-task)"


def build_vocab(texts: list[str], min_count: int, limit: int) -> CharVocab:
    counts = Counter(char for text in texts for char in clean(text))
    chars = [char for char, count in counts.most_common(limit) if count >= min_count]
    return CharVocab("".join(sorted(chars)))


def encode(records: list[Record], vocab: CharVocab) -> tuple[list[list[int]], dict[str, np.ndarray],
                                                               dict[str, np.ndarray]]:
    """Token ids per record and, per head, its label index and loss weight (``labels_of``)."""
    ids = [vocab.encode(record.text, MAX_LEN) or [1] for record in records]
    return (ids, *labels_of(records))


def padded(ids: list[list[int]], rows: list[int]):
    import torch

    width = max(len(ids[row]) for row in rows)
    matrix = torch.zeros((len(rows), width), dtype=torch.long)
    for at, row in enumerate(rows):
        matrix[at, : len(ids[row])] = torch.tensor(ids[row])
    return matrix


def logits_of(model, ids: list[list[int]], size: int = 256) -> dict[str, np.ndarray]:
    import torch

    model.eval()
    order = sorted(range(len(ids)), key=lambda at: len(ids[at]))
    out = {task: np.zeros((len(ids), len(labels)), dtype=np.float32) for task, labels in TASKS.items()}
    with torch.no_grad():
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            for task, value in model(padded(ids, rows)).items():
                out[task][rows] = value.numpy()
    return out


def teacher_logits(folder: Path, texts: list[str], threads: int | None = None) -> dict[str, np.ndarray]:
    """Every head's calibrated logits for every text from a bundled model folder (the BiGRU's, or the
    transformer's: it holds a tokenizer.json), each text cut where training cuts it."""
    from sentiment.models.backends.bundled import BundledBackend
    from sentiment.models.backends.transformer import TransformerBackend

    backend = TransformerBackend(folder, "teacher", threads=threads) if (folder / "tokenizer.json").exists() \
        else BundledBackend(folder, "bundled", threads)
    order = sorted(range(len(texts)), key=lambda at: len(texts[at]))
    out = {task: np.zeros((len(texts), len(labels)), dtype=np.float32) for task, labels in TASKS.items()}
    for start in range(0, len(order), 256):
        rows = order[start:start + 256]
        for task, value in zip(TASKS, backend.logits([texts[at][:MAX_LEN] for at in rows], list(TASKS))):
            out[task][rows] = value
    log(f"teacher {folder}: logits of {len(texts)} texts")
    return out


def train(args: argparse.Namespace) -> dict:
    fit, dev = corpus(args)
    return fit_model(args, fit, dev)


def fit_model(args: argparse.Namespace, fit: list[Record], dev: list[Record]) -> dict:
    """Fine-tune (from the pretrained encoder when given), keep the best dev epoch, export."""
    import torch

    from sentiment.training.encoder import Calibrated, Encoder

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    pick = random.Random(args.seed)

    heads = {task: len(labels) for task, labels in TASKS.items()}
    if args.init:
        pretrained = json.loads((args.init / "vocab.json").read_text(encoding="utf-8"))
        vocab = CharVocab(pretrained["chars"])
        model = Encoder(len(vocab), heads, pretrained["embedding"], pretrained["hidden"])
        from safetensors.torch import load_file

        missing, unexpected = model.load_state_dict(load_file(str(args.init / "encoder.safetensors")), strict=False)
        assert not unexpected and all(key.startswith(("attend.", "heads.")) for key in missing), (missing, unexpected)
        log(f"starting from the pretrained encoder in {args.init}")
    else:
        vocab = build_vocab([record.text for record in fit], args.min_char_count, args.vocab_limit)
        model = Encoder(len(vocab), heads, args.embedding, args.hidden)
    model.to(args.device)
    fit_ids, fit_targets, fit_weights = encode(fit, vocab)
    taught = None
    if args.teacher:
        extra = clauses_of(fit, args.unlabelled, args.seed)
        log(f"{len(extra)} unlabelled clauses for the teacher to answer")
        fit_ids += [vocab.encode(text, MAX_LEN) or [1] for text in extra]
        fit_targets = {task: np.concatenate([value, np.full(len(extra), -100)]) for task, value in fit_targets.items()}
        fit_weights = {task: np.concatenate([value, np.zeros(len(extra), np.float32)])
                       for task, value in fit_weights.items()}
        taught = {task: torch.from_numpy(value) for task, value in
                  teacher_logits(args.teacher, [record.text for record in fit] + extra, args.threads).items()}
    dev_ids, dev_targets, _ = encode(dev, vocab)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * math.ceil(len(fit_ids) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, args.lr, total_steps=steps, pct_start=0.1)
    loss_of = torch.nn.CrossEntropyLoss(ignore_index=-100, reduction="none")
    tensors = {task: torch.from_numpy(value) for task, value in fit_targets.items()}
    weights = {task: torch.from_numpy(value) for task, value in fit_weights.items()}
    best = (-1.0, None, 0)
    for epoch in range(1, args.epochs + 1):
        model.train()
        started, total = time.time(), 0.0
        for rows in batches(fit_ids, args.batch, pick):
            outputs = model(padded(fit_ids, rows).to(args.device))
            index = torch.tensor(rows)
            loss = sum((loss_of(outputs[task], tensors[task][index].to(args.device))
                        * weights[task][index].to(args.device)).sum() for task in heads) / len(rows)
            if taught is not None:
                loss = loss + sum(distillation(outputs[task], taught[task][index].to(args.device)) for task in heads)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item() * len(rows)
        model.cpu()
        scores = accuracies(logits_of(model, dev_ids), dev_targets)
        mean = sum(scores.values()) / len(scores)
        log(f"epoch {epoch}: loss {total / len(fit_ids):.4f}, dev {scores}, {time.time() - started:.0f} s")
        if mean > best[0]:
            best = (mean, {key: value.clone() for key, value in model.state_dict().items()}, epoch)
        model.to(args.device)
    model.cpu()
    model.load_state_dict(best[1])
    dev_logits = logits_of(model, dev_ids)
    temperatures = {task: fit_temperature(dev_logits[task], dev_targets[task]) for task in heads}
    meta = {
        "name": NAME,
        "chars": vocab.chars,
        "max_len": 256,
        "heads": {task: list(labels) for task, labels in TASKS.items()},
        "temperatures": temperatures,
        "epoch": best[2],
        "dev_accuracy": accuracies(dev_logits, dev_targets),
        "training": {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()},
        "records": {"fit": len(fit), "dev": len(dev)},
    }
    export(Calibrated(model, temperatures), meta, Path(args.out))
    log(f"kept epoch {best[2]}, temperatures {temperatures}; wrote {args.out}")
    return meta


def export(model, meta: dict, out: Path) -> None:
    """ONNX with a dynamic batch and length, one output per head, and meta.json beside it."""
    import torch

    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    example = torch.ones((2, 7), dtype=torch.long)
    torch.onnx.export(model, (example,), str(out / "model.onnx"), input_names=["ids"],
                      output_names=list(model.names), opset_version=17, dynamo=False,
                      dynamic_axes={"ids": {0: "batch", 1: "length"}, **{n: {0: "batch"} for n in model.names}})
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")


def arguments(description: str, epochs: int) -> argparse.ArgumentParser:
    """The options pretraining and fine-tuning share: data, model size, schedule, seed and device."""
    parser = corpus_parser(description, "folder to write")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--embedding", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=160)
    parser.add_argument("--sample", type=int, default=0, help="use this many texts only (tests)")
    parser.add_argument("--min-char-count", type=int, default=3)
    parser.add_argument("--vocab-limit", type=int, default=7000)
    parser.add_argument("--seed", type=int, default=13)
    machine_options(parser)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = arguments(__doc__.splitlines()[0], epochs=4)
    parser.add_argument("--init", type=Path, help="a folder written by sentiment.training.pretrain")
    parser.add_argument("--exclude", nargs="*", default=[], help="sources to leave out (leave-one-source-out)")
    parser.add_argument("--augment", type=int, default=40000, help="composed sentences to add (0: none)")
    parser.add_argument("--teacher", type=Path, help="a bundled model folder whose answers the model also learns")
    parser.add_argument("--unlabelled", type=int, default=40000,
                        help="with --teacher: clauses of training texts that only the teacher labels")
    return parser.parse_args(argv)


if __name__ == "__main__":
    train(parse())
