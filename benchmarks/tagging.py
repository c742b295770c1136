"""Bulk tagging speed and memory: the CLI and the file API on each bundled model, and StructBERT via ONNX.

    python benchmarks/tagging.py --datasets ../shared/datasets [--out benchmarks/results/tagging.md]

Reviews of 80–120 characters from the fixed split's test reviews (waimai_10k and
online_shopping_10_cats), repeated to the row counts below. The CLI runs as a user runs it
(``python -m sentiment tag``, its own process); rows/s leaves out the process start and model load,
measured as the same command on a one-row file. The file API is ``POST /api/sentiment/file`` through
Flask's test client, in this process. StructBERT rows use a randomly initialised StructBERT-base-shaped
model exported to ONNX INT8 (speed does not depend on the weights). Memory: the CLI's peak resident
size on 10,000, 100,000 and 1,000,000 rows with the fastest model.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.training.sources import read_sources, split_records  # noqa: E402
from report import publish  # noqa: E402

MODELS = ("bundled-lite", "bundled", "bundled-3way", "bundled-emotion")


def reviews(datasets: Path) -> list[str]:
    sources = read_sources(datasets, None)
    texts = [r.text for name in ("waimai", "online_shopping") for r in split_records(sources[name])[1]]
    return [t.replace("\n", " ") for t in texts if 80 <= len(t) <= 120]


def write_csv(path: Path, texts: list[str], rows: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "review"])
        for at in range(rows):
            writer.writerow([at, texts[at % len(texts)]])


def cli(source: Path, model: str) -> tuple[float, int]:
    """(seconds, peak KB) of one `tag` run in a fresh wrapper, so that the peak is that run's own."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = source.with_suffix(".out.csv")
    result = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "sentiment", "tag", str(source),
                             "-o", str(out)], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**os.environ, "SENTIMENT_MODEL": model})
    seconds, peak = result.stdout.split()
    out.unlink()
    return float(seconds), int(peak)


def api_rate(model: str, data: bytes, rows: int) -> float:
    from app import create_app

    app = create_app({"TESTING": True, "SENTIMENT_MODEL": model, "SENTIMENT_ZERO_SHOT_MODEL": "/nonexistent",
                      "SENTIMENT_DATA_DIR": tempfile.mkdtemp()})
    client = app.test_client()
    started = time.perf_counter()
    response = client.post("/api/sentiment/file", data={"file": (io.BytesIO(data), "reviews.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    return rows / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--rows", type=int, default=20000, help="rows per speed run")
    parser.add_argument("--out", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()
    texts = reviews(args.datasets)
    lines = [f"`python benchmarks/tagging.py` on {os.cpu_count()} cores: {len(texts):,} distinct test reviews of "
             f"80–120 characters (mean {sum(map(len, texts)) / len(texts):.0f}), repeated.\n",
             f"| model | CLI rows/s ({args.rows:,} rows) | file API rows/s (5,000 rows) |", "|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        one, many, api = folder / "one.csv", folder / "many.csv", folder / "api.csv"
        write_csv(one, texts, 1)
        write_csv(many, texts, args.rows)
        write_csv(api, texts, 5000)
        candidates = list(MODELS)
        try:
            from sentiment.models.onnx_export import export
            from sentiment.models.structbert_dir import write_structbert_dir

            base = write_structbert_dir(folder / "base", hidden=768, layers=12, heads=12)
            candidates.append(str(export(base, folder / "base-int8", int8=True, name="StructBERT-base-shape")))
        except Exception as error:  # the ONNX row is extra: say why it is missing rather than fail
            print(f"no StructBERT row: {error}", file=sys.stderr)
        for model in candidates:
            rows = args.rows if model in MODELS else 500
            source = many if model in MODELS else folder / "few.csv"
            if model not in MODELS:
                write_csv(source, texts, rows)
            start_up, _ = cli(one, model)
            seconds, _ = cli(source, model)
            rate = rows / max(seconds - start_up, 1e-9)
            api = api_rate(model, (folder / "api.csv").read_bytes(), 5000) if model in MODELS else None
            name = model if model in MODELS else "StructBERT-base shape, ONNX INT8"
            lines.append(f"| {name} | {rate:,.0f} | {'–' if api is None else f'{api:,.0f}'} |")
            print(lines[-1], file=sys.stderr, flush=True)
        lines += ["", "CLI memory with bundled-lite (peak resident size of the `tag` process):", "",
                  "| rows | seconds | peak MB |", "|---|---|---|"]
        for rows in (10_000, 100_000, 1_000_000):
            write_csv(many, texts, rows)
            seconds, peak = cli(many, "bundled-lite")
            lines.append(f"| {rows:,} | {seconds:.1f} | {peak / 1024:.0f} |")
            print(lines[-1], file=sys.stderr, flush=True)
    publish("\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
