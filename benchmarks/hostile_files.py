"""What hostile files cost a real Gunicorn worker: each of issue 22's bombs sent to every route that reads
a table, with the answer, the seconds it took and the worker's resident memory after it.

    python benchmarks/hostile_files.py [--out benchmarks/results/hostile_files.md]

One worker on the default bundled model; the files are the tests' reproducers (tests/test_hostile_files.py)
plus the full-size ones the tests keep small: a 0.5 MB zip of 500 MB of whitespace and a 64 MB CSV of
4,000 × 4,000 cells.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import free_port  # noqa: E402
from report import publish  # noqa: E402
from test_hostile_files import DIMENSION_BOMB, HEADER, WIDTH_BOMB, workbook  # noqa: E402


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def main() -> int:
    import requests

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "SENTIMENT_MODEL": "bundled", "WEB_CONCURRENCY": "1",
           "SENTIMENT_ZERO_SHOT_MODEL": "/nonexistent", "SENTIMENT_DATA_DIR": str(ROOT / "instance" / "hostile-bench"),
           "GUNICORN_ACCESS_LOG": "/dev/null"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2).close()
                break
            except OSError:
                time.sleep(0.5)
        worker = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0])
        start = rss_mb(worker)
        files = [("dimension bomb (A1:XFD1048576)", DIMENSION_BOMB, "b.xlsx"),
                 ("zip bomb (500 MB of whitespace)", workbook(f"<sheetData>{HEADER}</sheetData>", pad=500 << 20), "z.xlsx"),
                 ("width bomb, 4,000 × 10", WIDTH_BOMB, "w.csv"),
                 ("width bomb, 4,000 × 4,000", ("\n".join([",".join(["好"] * 4000)] * 4000) + "\n").encode(), "w.csv")]
        lines = [f"Worker resident memory at start: {start:.0f} MB.", "",
                 "| file | bytes sent | route | status | code | seconds | worker RSS after (MB) |",
                 "|---|---:|---|---:|---|---:|---:|"]
        for name, data, file_name in files:
            for route in ("/api/sentiment/file", "/api/table", "/api/jobs"):
                started = time.monotonic()
                response = requests.post(f"http://127.0.0.1:{port}{route}", files={"file": (file_name, data)}, timeout=600)
                took = time.monotonic() - started
                code = response.json().get("code", "") if "json" in response.headers.get("content-type", "") else ""
                lines.append(f"| {name} | {len(data):,} | {route} | {response.status_code} | {code} | {took:.2f} | "
                             f"{rss_mb(worker):.0f} |")
    finally:
        server.terminate()
        server.wait()
    publish("\n".join(lines) + "\n", args.out, "# Hostile files through a real Gunicorn worker\n\n"
            "`python benchmarks/hostile_files.py --out benchmarks/results/hostile_files.md`\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
