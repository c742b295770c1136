"""Does coalescing concurrent single-text requests raise throughput? ``python benchmarks/coalesce.py``.

16 client threads each send single ~64-token reviews through one ``SentimentService``
(one Gunicorn worker's view), first answered one model call per request, then through
``CoalescingBackend`` with a 2 ms and a 5 ms wait. Each engine of ``benchmarks/speed.py``
is measured; configurations alternate over several rounds and the median is reported.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import ROOT, build_engines, text_of  # noqa: E402

from sentiment.models.coalescer import CoalescingBackend  # noqa: E402
from sentiment.models.service import SentimentService  # noqa: E402

CLIENTS = 16
WAITS_MS = (0, 2, 5)


def throughput(service: SentimentService, requests: int, offset: int) -> tuple[float, float]:
    """(requests per second, median latency in ms) for ``requests`` single-text calls from 16 threads."""
    def one(i: int) -> float:
        started = time.perf_counter()
        service.analyse([text_of(64, offset + i)])
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        latencies = list(pool.map(one, range(requests)))
    return requests / (time.perf_counter() - started), statistics.median(latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    lines = ["| engine | wait | requests/s (16 clients) | p50 latency ms | vs. no coalescing |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as scratch:
        for name, backend in build_engines(Path(scratch)).items():
            requests = 64 if name.startswith("PyTorch") else 128
            services = {wait: SentimentService(CoalescingBackend(backend, wait, 16) if wait else backend)
                        for wait in WAITS_MS}
            samples: dict[int, list[tuple[float, float]]] = {wait: [] for wait in WAITS_MS}
            throughput(services[0], 16, 0)  # warm-up
            for r in range(args.rounds):
                for wait, service in services.items():
                    time.sleep(0.5)
                    samples[wait].append(throughput(service, requests, r * requests))
            base = statistics.median(s[0] for s in samples[0])
            for wait in WAITS_MS:
                rate = statistics.median(s[0] for s in samples[wait])
                p50 = statistics.median(s[1] for s in samples[wait])
                label = "off" if wait == 0 else f"{wait} ms"
                lines.append(f"| {name} | {label} | {rate:.1f} | {p50:.0f} | {rate / base:.2f}x |")
            print(lines[-3:], flush=True)
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "coalesce.md").write_text(markdown, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
