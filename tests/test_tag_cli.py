"""``python -m sentiment tag``: every row, in order, streamed; resumable; standard input and output."""
from __future__ import annotations

import csv
import json

from test_cli import run

WORDS = ["很好吃", "太难吃了", "送餐很快", "服务态度差", "性价比高", "包装破损", "味道一般", "再也不来了"]


def write_reviews(path, rows: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "review", "note"])
        for at in range(rows):
            text = "" if at % 997 == 5 else "".join(WORDS[(at * 7 + k * 3) % 8] for k in range(1 + at % 6))
            writer.writerow([at, text, f"n{at}"])


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_a_100000_row_csv_keeps_every_row_in_order(tmp_path):
    source, out = tmp_path / "reviews.csv", tmp_path / "tagged.csv"
    write_reviews(source, 100_000)
    result = run("tag", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = read_csv(out)
    assert len(rows) == 100_000 and [r["id"] for r in rows[:3]] == ["0", "1", "2"] and rows[-1]["id"] == "99999"
    assert all(r["id"] == str(at) and r["note"] == f"n{at}" for at, r in enumerate(rows))
    empty = [r for r in rows if r["error"]]
    assert len(empty) == len([at for at in range(100_000) if at % 997 == 5]) and all(not r["label"] for r in empty)
    assert {r["label"] for r in rows if not r["error"]} == {"正面", "负面"}


def test_resume_after_a_kill_gives_the_same_file_as_one_run(tmp_path):
    source, whole, partial = tmp_path / "reviews.csv", tmp_path / "whole.csv", tmp_path / "partial.csv"
    write_reviews(source, 3000)
    assert run("tag", str(source), "-o", str(whole)).returncode == 0
    data = whole.read_bytes()
    partial.write_bytes(data[: len(data) // 2 + 17])  # killed halfway, in the middle of a row
    result = run("tag", str(source), "-o", str(partial), "--resume")
    assert result.returncode == 0, result.stderr
    assert partial.read_bytes() == data


def test_standard_input_to_standard_output_as_json_lines():
    result = run("tag", "-", "--input-format", "txt", "--format", "jsonl", stdin="这个东西真心很赞\n质量太差了\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["text"], r["label"]) for r in rows] == [("这个东西真心很赞", "正面"), ("质量太差了", "负面")]


def test_a_missing_column_is_one_clear_line(tmp_path):
    source = tmp_path / "x.csv"
    source.write_text("id,正文\n1,好\n", encoding="utf-8")
    result = run("tag", str(source), "--column", "review")
    assert result.returncode == 2 and "没有名为“review”的列" in result.stderr and "Traceback" not in result.stderr


def test_killed_halfway_then_resumed_gives_the_same_file(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT

    source, whole, partial = tmp_path / "reviews.csv", tmp_path / "whole.csv", tmp_path / "partial.csv"
    write_reviews(source, 60_000)
    assert run("tag", str(source), "-o", str(whole)).returncode == 0
    env = {**os.environ, "SENTIMENT_MODEL": "bundled-lite"}
    process = subprocess.Popen([sys.executable, "-m", "sentiment", "tag", str(source), "-o", str(partial)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while (not partial.exists() or partial.stat().st_size < 200_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < partial.stat().st_size < whole.stat().st_size, "the kill must land halfway"
    result = run("tag", str(source), "-o", str(partial), "--resume")
    assert result.returncode == 0, result.stderr
    assert partial.read_bytes() == whole.read_bytes()
