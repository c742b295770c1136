"""One review over HTTP: how fast each served model answers it, beside StructBERT-base as ONNX INT8.

    python benchmarks/http_speed.py [--rounds 3] [--texts 100] [--models ...] [--out benchmarks/results/http_speed.md]

Why over HTTP: in-process timings (benchmarks/speed.py, encoder_cost.py) leave out what a caller
also waits for (Flask, JSON, Gunicorn), and that overhead is a large part of a fast model's answer.
Each model gets its own Gunicorn on 127.0.0.1 with one worker and the usual threads, two inference
threads, no zero-shot model and a fresh data folder. StructBERT is a randomly initialised model of
StructBERT-base shape exported to ONNX INT8: speed does not depend on the weights. Texts are real
reviews of 45–55 characters from the fixed split's test reviews (waimai_10k, online_shopping_10_cats).
One client sends them one at a time over a kept-alive ``http.client`` connection (no concurrency), so a
request's time is the model's answer plus the service's overhead, with no queueing. Rounds alternate
between the models, so that drift on a shared machine touches each alike; the table gives the median
over rounds of each round's p50, p99 and requests per second.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from conftest import NO_ZERO_SHOT, Gunicorn  # noqa: E402  (the tests' launcher: `gunicorn -c gunicorn.conf.py app:app`)
from report import publish  # noqa: E402
from speed import BASE, PAUSE_S, percentile  # noqa: E402  (StructBERT-base's shape; the thread-pool pause)
from sentiment.training.data import digest, is_test, normalise, read_corpus  # noqa: E402

STRUCTBERT = "structbert-base-int8"
MODELS = ("bundled", "bundled-fast", "bundled-lite", STRUCTBERT)
LENGTHS = (45, 55)  # characters, after the split's normalisation
WARM_UP = 10  # untimed requests per server: first calls allocate buffers and fill caches


def reviews(datasets: Path, count: int) -> list[str]:
    """``count`` distinct test-split reviews of 45–55 characters, in digest order: a fixed, shuffled mix."""
    found: set[str] = set()
    for name in ("waimai_10k.csv", "online_shopping_10_cats.zip"):
        for example in read_corpus(datasets / name):
            text = normalise(example.text)
            if LENGTHS[0] <= len(text) <= LENGTHS[1] and is_test(text):
                found.add(text)
    if len(found) < count:
        raise SystemExit(f"only {len(found)} test reviews of {LENGTHS[0]}–{LENGTHS[1]} characters in {datasets}")
    return sorted(found, key=digest)[:count]


def structbert_int8(folder: Path) -> str:
    """A StructBERT-base-shaped directory, random weights, exported to ONNX INT8: what the service serves."""
    from sentiment.models.onnx_export import export
    from sentiment.models.structbert_dir import write_structbert_dir

    source = write_structbert_dir(folder / "structbert-base-random", **BASE)
    return str(export(source, folder / STRUCTBERT, int8=True, name=STRUCTBERT))


def start(model: str, setting: str, folder: Path) -> Gunicorn:
    return Gunicorn(folder / f"{model}.log", SENTIMENT_MODEL=setting, WEB_CONCURRENCY="1", SENTIMENT_TORCH_THREADS="2",
                    SENTIMENT_DATA_DIR=str(folder / f"data-{model}"), SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT,
                    GUNICORN_ACCESS_LOG="/dev/null")


def sequential(port: int, bodies: list[bytes]) -> tuple[list[float], float]:
    """(each request's ms, total seconds) for ``bodies`` sent one after another on one connection.

    The connection is opened before the clock starts, so no request pays for the TCP handshake; a new
    one per call, since Gunicorn closes a connection idle past its 5 s keep-alive while others run."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.connect()
    times: list[float] = []
    try:
        began = time.perf_counter()
        for body in bodies:
            started = time.perf_counter()
            connection.request("POST", "/api/sentiment", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            times.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise RuntimeError(f"port {port}: HTTP {response.status}: {answer[:200]!r}")
        return times, time.perf_counter() - began
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--texts", type=int, default=100)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args()
    if args.rounds < 1 or args.texts < 1:
        parser.error("--rounds and --texts must be at least 1")
    models = list(dict.fromkeys(args.models))
    texts = reviews(args.datasets, args.texts)
    bodies = [json.dumps({"text": text}, ensure_ascii=False).encode() for text in texts]
    stats: dict[str, dict[str, list[float]]] = {m: {"p50": [], "p99": [], "rate": []} for m in models}
    servers: dict[str, Gunicorn] = {}
    with tempfile.TemporaryDirectory(prefix="sentiment-http-speed-", ignore_cleanup_errors=True) as scratch:
        folder = Path(scratch)
        try:
            for model in models:
                setting = structbert_int8(folder) if model == STRUCTBERT else model
                servers[model] = start(model, setting, folder)
            for model, server in servers.items():
                server.wait_ready(workers=1, timeout=300)
                sequential(server.port, (bodies * WARM_UP)[:WARM_UP])
            for number in range(args.rounds):
                for model, server in servers.items():
                    time.sleep(PAUSE_S)  # the previous server's thread pools stop spinning first
                    times, seconds = sequential(server.port, bodies)
                    stats[model]["p50"].append(statistics.median(times))
                    stats[model]["p99"].append(percentile(times, 0.99))
                    stats[model]["rate"].append(len(times) / seconds)
                    print(f"round {number + 1}: {model}: p50 {stats[model]['p50'][-1]:.1f} ms", file=sys.stderr,
                          flush=True)
        finally:
            for server in servers.values():
                server.stop()
    options = "" if models == list(MODELS) else " --models " + " ".join(models)
    lines = [f"`python benchmarks/http_speed.py --rounds {args.rounds} --texts {args.texts}{options}` — "
             f"{os.cpu_count()} cores; one Gunicorn per model (1 worker, SENTIMENT_TORCH_THREADS=2); one client on the "
             f"same machine sending {len(texts)} test reviews of {min(map(len, texts))}–{max(map(len, texts))} "
             "characters one at a time to `POST /api/sentiment` over a kept-alive connection; median over rounds\n",
             "| model | p50 ms | p99 ms | requests/s, sequential | x faster than StructBERT-base INT8 (p50) |",
             "|---|---|---|---|---|"]
    median = {m: {key: statistics.median(values) for key, values in s.items()} for m, s in stats.items()}
    for model, row in median.items():
        faster = f"{median[STRUCTBERT]['p50'] / row['p50']:.1f}x" if STRUCTBERT in median else "—"
        name = {"bundled": "bundled (default)", STRUCTBERT: "StructBERT-base shape, ONNX INT8"}.get(model, model)
        lines.append(f"| {name} | {row['p50']:.1f} | {row['p99']:.1f} | {row['rate']:.1f} | {faster} |")
    publish("\n".join(lines) + "\n", args.out, "# Benchmarks: one review over HTTP, per model\n\n",
            section=f"http_speed.py{options}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
