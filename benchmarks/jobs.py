"""Jobs at scale: the same job on the embedded engine and on Celery with 1 and 2 workers.

    python benchmarks/jobs.py --datasets ../shared/datasets [--rows 100000] [--out benchmarks/results/jobs.md]

Rows are 80–120-character test reviews (waimai_10k, online_shopping_10_cats), repeated. Engines:
embedded (the service's own thread), and Celery through a ``redis-server`` started here with 1 and 2
prefork workers of one process and one inference thread each (SENTIMENT_TORCH_THREADS=1), one per
core. Models: the default bundled model, and a randomly initialised StructBERT-base-shaped model
exported to ONNX INT8 (speed does not depend on the weights; fewer rows, it is ~50x slower). Time runs
from submission to the job's done state, as a client sees it. The last line works out how many
2-core worker machines a 2,000,000-row job needs to finish within an hour at the measured rate.
"""
from __future__ import annotations

import io
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tagging import reviews, write_csv  # noqa: E402
from report import publish  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                               stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("redis-server did not start")


def run_job(model: str, data: bytes, rows: int, broker: str, workers: int, folder: Path) -> float:
    """Rows per second from submission to done."""
    from app import create_app

    settings = {"SENTIMENT_MODEL": model, "SENTIMENT_DATA_DIR": str(folder / f"data-{workers}-{time.time_ns()}"),
                "SENTIMENT_ZERO_SHOT_MODEL": "/nonexistent", "SENTIMENT_TORCH_THREADS": "1"}
    processes = []
    for at in range(workers):
        env = {**os.environ, **settings, "SENTIMENT_BROKER_URL": broker}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sentiment.jobs.celery_app", "worker", "--pool", "prefork",
             "--concurrency", "1", "-n", f"w{at}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    try:
        app = create_app({"TESTING": True, **{k: v for k, v in settings.items() if k != "SENTIMENT_TORCH_THREADS"},
                          "SENTIMENT_TORCH_THREADS": 1, "SENTIMENT_BROKER_URL": broker if workers else ""})
        client = app.test_client()
        if workers:
            time.sleep(8)  # workers up and their models loaded before the clock starts
        started = time.perf_counter()
        job = client.post("/api/jobs", data={"file": (io.BytesIO(data), "reviews.csv")},
                          content_type="multipart/form-data").get_json()["id"]
        while (status := client.get(f"/api/jobs/{job}").get_json())["state"] != "done":
            assert status["state"] in ("queued", "running"), status
            time.sleep(0.2)
        return rows / (time.perf_counter() - started)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--structbert-rows", type=int, default=2_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    texts = reviews(args.datasets)
    port = free_port()
    redis = redis_server(port)
    broker = f"redis://127.0.0.1:{port}/0"
    lines = [f"`python benchmarks/jobs.py` on {os.cpu_count()} cores; rows/s from submission to done.\n",
             "| model | rows | embedded | Celery, 1 worker | Celery, 2 workers | 1 → 2 workers |", "|---|---|---|---|---|---|"]
    rates = {}
    try:
        # The apps' engine threads live on until the end and still poll their stores, so leave what they touch.
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
            folder = Path(folder)
            from sentiment.models.onnx_export import export
            from sentiment.models.structbert_dir import write_structbert_dir

            base = write_structbert_dir(folder / "base", hidden=768, layers=12, heads=12)
            structbert = str(export(base, folder / "int8", int8=True, name="StructBERT-base-shape"))
            for name, model, rows in (("bundled", "bundled", args.rows),
                                      ("StructBERT-base shape, ONNX INT8", structbert, args.structbert_rows)):
                path = folder / f"{rows}.csv"
                write_csv(path, texts, rows)
                data = path.read_bytes()
                found = [run_job(model, data, rows, broker, workers, folder) for workers in (0, 1, 2)]
                rates[name] = found
                lines.append(f"| {name} | {rows:,} | {found[0]:,.0f} | {found[1]:,.0f} | {found[2]:,.0f} | "
                             f"{found[2] / found[1]:.2f}x |")
                print(lines[-1], file=sys.stderr, flush=True)
    finally:
        redis.terminate()
        redis.wait()
    per_machine = rates["StructBERT-base shape, ONNX INT8"][2]
    lines.append(f"\nAt {per_machine:.0f} rows/s per 2-core machine (StructBERT-base shape, 2 workers), 2,000,000 rows "
                 f"within one hour need {math.ceil(2_000_000 / 3600 / per_machine)} such worker machines; with the "
                 f"bundled model ({rates['bundled'][2]:,.0f} rows/s) "
                 f"{math.ceil(2_000_000 / 3600 / rates['bundled'][2])}.")
    publish("\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
