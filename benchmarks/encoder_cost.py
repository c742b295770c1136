"""What the BiGRU's size costs the API under load: would a smaller encoder bring sentiment requests to
60% of the rate of /health (issue 14)?

    python benchmarks/encoder_cost.py [--seconds 20] [--rounds 3] [--out benchmarks/results/encoder_cost.md]

Encoders of smaller sizes are exported untrained (seeded): their answers mean nothing, but an ONNX
GRU costs the same whatever its weights, so their speed is the speed a trained one would have. Each
is served by Gunicorn as ``make run`` starts it (``SENTIMENT_BUNDLED_DIR``), beside the shipped
encoder and the n-gram model; every round runs all of them one after another (/health, then
/api/sentiment, on the same server), so that the machine's drift touches each alike, and the table
gives each one's median over the rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from conftest import Gunicorn  # noqa: E402
from load import PARTS, review, run  # noqa: E402
from report import publish  # noqa: E402
from sentiment.models.backends.bundled import DEFAULT_DIR, BundledBackend  # noqa: E402
from sentiment.models.backends.lite import LiteBackend  # noqa: E402

SIZES = ((96, 96), (64, 64))  # (embedding, hidden); the shipped encoder is 128 / 160


def untrained(embedding: int, hidden: int, folder: Path) -> Path:
    """The shipped encoder's graph and vocabulary at another size, with seeded random weights."""
    import torch

    from sentiment.training.encoder import Calibrated, Encoder
    from sentiment.training.train_bundled import export

    meta = json.loads((DEFAULT_DIR / "meta.json").read_text(encoding="utf-8"))
    torch.manual_seed(0)
    encoder = Encoder(len(meta["chars"]) + 2, {name: len(labels) for name, labels in meta["heads"].items()},
                      embedding, hidden)
    out = folder / f"bigru-{embedding}-{hidden}"
    export(Calibrated(encoder, meta["temperatures"]), meta, out)
    return out


def one_text_us(backend, texts: list[str]) -> float:
    """Median microseconds of one review's ``predict`` on one thread, in process."""
    for text in texts[:50]:
        backend.predict([text])
    times = []
    for text in texts:
        started = time.perf_counter()
        backend.predict([text])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def size(value: str) -> tuple[int, int]:
    """``EMBEDDINGxHIDDEN``, e.g. ``64x64``."""
    try:
        embedding, hidden = map(int, value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not EMBEDDINGxHIDDEN, e.g. 64x64") from None
    if embedding < 1 or hidden < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: both sizes must be at least 1")
    return embedding, hidden


def bigru(folder: Path) -> BundledBackend:
    return BundledBackend(folder, "bundled", threads=1)


def ratio(model: str, folder: Path | None, seconds: float, clients: int, scratch: Path) -> float:
    settings = {"SENTIMENT_MODEL": model, "SENTIMENT_DATA_DIR": str(scratch / "data"),
                "SENTIMENT_ZERO_SHOT_MODEL": str(scratch / "no-zero-shot"), "GUNICORN_ACCESS_LOG": "/dev/null"}
    if folder is not None:
        settings["SENTIMENT_BUNDLED_DIR"] = str(folder)
    server = Gunicorn(scratch / f"{model}-{folder.name if folder else 'shipped'}.log", **settings)
    try:
        server.wait_ready(workers=int(os.environ.get("WEB_CONCURRENCY") or max(1, min(os.cpu_count() or 1, 4))))
        run(server.port, "/api/sentiment", 3, clients)  # warm-up, not counted
        health = run(server.port, "/health", seconds, clients)
        sentiment = run(server.port, "/api/sentiment", seconds, clients)
    finally:
        server.stop()
    if health["errors"] or sentiment["errors"]:
        raise SystemExit(f"{model} {folder}: {health['errors']} + {sentiment['errors']} errors")
    return sentiment["per_second"] / health["per_second"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--sizes", nargs="*", type=size, default=list(SIZES),
                        help="untrained encoders to serve, EMBEDDINGxHIDDEN (none: only the others)")
    parser.add_argument("--also", nargs="*", type=Path, default=[], help="trained bundled folders to serve too")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="sentiment-encoder-cost-"))
    pick = random.Random(0)
    texts = [review(pick) for _ in range(2000)]
    rows = [("bundled-lite (n-gram)", "bundled-lite", None, one_text_us(LiteBackend(), texts)),
            ("bundled, shipped BiGRU 128 / 160", "bundled", None, one_text_us(bigru(DEFAULT_DIR), texts))]
    for embedding, hidden in args.sizes:
        folder = untrained(embedding, hidden, scratch)
        rows.append((f"BiGRU {embedding} / {hidden}, untrained", "bundled", folder, one_text_us(bigru(folder), texts)))
    for folder in args.also:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["training"]
        rows.append((f"BiGRU {meta['embedding']} / {meta['hidden']}, `{folder}`", "bundled", folder,
                     one_text_us(bigru(folder), texts)))
    ratios: dict[str, list[float]] = {name: [] for name, *_ in rows}
    for number in range(args.rounds):
        for name, model, folder, _ in rows:
            ratios[name].append(ratio(model, folder, args.seconds, args.clients, scratch))
            print(f"round {number + 1}: {name}: {ratios[name][-1]:.0%}", file=sys.stderr, flush=True)
    options = "" if args.sizes == list(SIZES) else " ".join([" --sizes", *(f"{e}x{h}" for e, h in args.sizes)])
    if args.also:
        options += " ".join([" --also", *map(str, args.also)])
    lines = [f"`python benchmarks/encoder_cost.py --seconds {args.seconds:g} --rounds {args.rounds}{options}` — "
             f"{os.cpu_count()} cores, Gunicorn as `make run` starts it, {args.clients} clients on the same machine, reviews of "
             f"{min(map(len, texts))}–{max(map(len, texts))} characters made from {len(PARTS)} phrases\n",
             "| model | one review in process, µs (median) | sentiment rate / /health rate, each round | median |",
             "|---|---|---|---|"]
    for name, _, _, micros in rows:
        lines.append(f"| {name} | {micros:.0f} | {' · '.join(f'{r:.0%}' for r in ratios[name])} | "
                     f"**{statistics.median(ratios[name]):.0%}** |")
    publish("\n".join(lines) + "\n", args.out, "# What the encoder's size costs under load\n\n",
            section=f"encoder_cost.py{options}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
