"""Load and memory on Gunicorn as `make run` starts it: 32 concurrent clients on /health and on
/api/sentiment, then each worker's memory from 1,000 to 20,000 requests.

    python benchmarks/load.py [--seconds 60] [--clients 32] [--model bundled] [--out BENCHMARKS.md]

Clients are threads with one keep-alive connection each, sending one request after another (closed
loop), so throughput is what the server sustains with 32 requests always waiting. Both routes run in
this one run against the same server, /health first: the ratio of their rates is what the API's
work costs. Texts are 20–60-character reviews written for the benchmark, one text per request.
Memory: VmRSS of every worker, read from /proc after 1,000 requests and again after 20,000.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import Gunicorn  # noqa: E402  (the tests' own launcher: `gunicorn -c gunicorn.conf.py app:app`)
from report import publish  # noqa: E402

PARTS = ["送餐很快", "味道一般", "包装很精致", "服务态度差", "价格实惠", "分量太少了", "下次还会再来", "等了一个多小时",
         "质量不错", "和图片不一样", "客服很耐心", "物流太慢"]


def review(pick: random.Random) -> str:
    return "，".join(pick.sample(PARTS, pick.randint(3, 8)))


def run(port: int, path: str, seconds: float, clients: int, requests: int | None = None) -> dict:
    """Closed-loop clients for ``seconds`` (or until ``requests`` in all): latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    sent = [0]
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        pick = random.Random(number)  # bodies made beforehand: the clients share the server's two cores
        bodies = [json.dumps({"text": review(pick)}, ensure_ascii=False).encode() for _ in range(200)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, wrong = [], []
        while time.monotonic() < stop:
            if requests is not None:
                with lock:
                    if sent[0] >= requests:
                        break
                    sent[0] += 1
            started = time.perf_counter()
            try:
                if path == "/health":
                    connection.request("GET", path)
                else:
                    connection.request("POST", path, body=bodies[len(mine) % len(bodies)],
                                       headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    wrong.append(str(response.status))
            except (OSError, http.client.HTTPException) as error:
                wrong.append(type(error).__name__)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors.extend(wrong)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {"path": path, "requests": len(latencies), "per_second": len(latencies) / elapsed, "errors": len(errors),
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]}


def worker_rss_mb(server: Gunicorn) -> dict[int, float]:
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.process.pid)], capture_output=True, text=True)
    sizes = {}
    for pid in map(int, children.stdout.split()):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes[pid] = int(line.split()[1]) / 1024
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--model", default="bundled", help="SENTIMENT_MODEL (bundled is what `make run` serves here)")
    parser.add_argument("--out", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sentiment-load-"))
    server = Gunicorn(folder / "log.txt", SENTIMENT_MODEL=args.model, SENTIMENT_DATA_DIR=str(folder / "data"),
                      SENTIMENT_ZERO_SHOT_MODEL=str(folder / "no-zero-shot"), GUNICORN_ACCESS_LOG="/dev/null")
    workers = int(os.environ.get("WEB_CONCURRENCY") or max(1, min(os.cpu_count() or 1, 4)))
    try:
        server.wait_ready(workers=workers)
        run(server.port, "/api/sentiment", 3, args.clients)  # warm-up, not counted
        health = run(server.port, "/health", args.seconds, args.clients)
        sentiment = run(server.port, "/api/sentiment", args.seconds, args.clients)
        fresh = Gunicorn(folder / "memory.txt", SENTIMENT_MODEL=args.model, SENTIMENT_DATA_DIR=str(folder / "data"),
                         SENTIMENT_ZERO_SHOT_MODEL=str(folder / "no-zero-shot"), GUNICORN_ACCESS_LOG="/dev/null")
    finally:
        server.stop()
    try:  # memory on a server of its own, from its first request
        fresh.wait_ready(workers=workers)
        run(fresh.port, "/api/sentiment", 600, args.clients, requests=1000)
        early = worker_rss_mb(fresh)
        run(fresh.port, "/api/sentiment", 600, args.clients, requests=19000)
        late = worker_rss_mb(fresh)
    finally:
        fresh.stop()
    model = "" if args.model == "bundled" else f" --model {args.model}"
    lines = [f"`python benchmarks/load.py{model} --seconds {args.seconds:g} --clients {args.clients}` — Gunicorn as "
             f"`make run` starts it ({workers} workers, model `{args.model}`), {os.cpu_count()} cores, clients on the same machine\n",
             "| route | requests | requests/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
    for result in (health, sentiment):
        lines.append(f"| `{result['path']}` | {result['requests']:,} | {result['per_second']:,.0f} | "
                     f"{result['p50_ms']:.1f} | {result['p99_ms']:.1f} | {result['errors']} |")
    lines.append(f"\nSentiment requests served at {sentiment['per_second'] / health['per_second']:.0%} of the rate of "
                 "`/health` (target ≥ 60%).\n")
    lines += ["| worker | RSS after 1,000 requests | after 20,000 | change |", "|---|---|---|---|"]
    for pid in sorted(early):
        if pid in late:
            lines.append(f"| {pid} | {early[pid]:.1f} MB | {late[pid]:.1f} MB | {late[pid] / early[pid] - 1:+.1%} |")
    publish("\n".join(lines) + "\n", args.out, "# Benchmarks: load and memory\n\n",
            section=f"load.py --model {args.model}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
