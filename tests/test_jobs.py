"""Jobs on the embedded engine: 202 at once, progress, every row in order, cancel, resume after a restart."""
from __future__ import annotations

import csv
import io
import json
import time

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT
from sentiment.jobs.store import JobStore, UnknownJob

WORDS = ["很好吃", "太难吃了", "送餐很快", "服务态度差", "性价比高", "包装破损"]


def make_app(data, **config):
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       "SENTIMENT_DATA_DIR": str(data), "SENTIMENT_JOB_CHUNK_ROWS": 500, **config})


def reviews_csv(rows: int) -> bytes:
    lines = ["id,review"] + [f"{at},{'' if at % 251 == 7 else WORDS[at % 6] + WORDS[(at // 6) % 6]}" for at in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def wait(client, job: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job}").get_json()
        if status["state"] in ("done", "failed", "cancelled"):
            return status
        time.sleep(0.05)
    raise TimeoutError(status)


def test_a_file_job_answers_at_once_then_every_row_in_order(tmp_path):
    client = make_app(tmp_path).test_client()
    response = client.post("/api/jobs", data={"file": (io.BytesIO(reviews_csv(5000)), "reviews.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    submitted = response.get_json()
    assert submitted["rows_total"] == 5000 and submitted["state"] in ("queued", "running")
    assert response.headers["Location"].endswith(submitted["id"])
    status = wait(client, submitted["id"])
    assert status["state"] == "done" and status["rows_done"] == 5000 and status["rows_per_second"] > 0
    result = client.get(status["result_url"])
    assert result.status_code == 200
    rows = list(csv.DictReader(io.StringIO(result.data.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [str(at) for at in range(5000)]
    assert all(r["error"].startswith("empty_text") for r in rows if r["review"] == "")
    assert {r["label"] for r in rows if r["review"]} == {"正面", "负面"}
    assert [j["id"] for j in client.get("/api/jobs").get_json()["jobs"]] == [submitted["id"]]


def test_texts_job_and_its_errors(tmp_path):
    client = make_app(tmp_path).test_client()
    response = client.post("/api/jobs", json={"texts": ["好吃", "", "太难吃了"]})
    status = wait(client, response.get_json()["id"])
    lines = client.get(status["result_url"]).data.decode().splitlines()
    assert [line.count('"label": "正面"') for line in lines] == [1, 0, 0] and '"error": "empty_text' in lines[1]
    assert client.get("/api/jobs/nope").get_json()["code"] == "unknown_job"
    assert client.post("/api/jobs", json={"texts": []}).get_json()["code"] == "missing_field"
    assert client.post("/api/jobs", json={"texts": ["好"], "format": "pdf"}).get_json()["code"] == "invalid_format"
    assert client.post("/api/jobs", json={"texts": ["好"], "classifier": "nobody"}).status_code == 404


def test_result_before_done_and_cancel(tmp_path):
    store = JobStore(tmp_path)  # a job no engine of this test takes: queued until cancelled
    job = store.create(({"text": "好"} for _ in range(3)), {"column": "text", "format": "csv", "classifier": None,
                                                              "name": "x.csv", "chunk_rows": 2}, 2)
    client = make_app(tmp_path / "other").test_client()
    client.application.extensions["jobs"] = store
    response = client.get(f"/api/jobs/{job}/result")
    assert response.status_code == 409 and response.get_json()["code"] == "job_not_done"
    deleted = client.delete(f"/api/jobs/{job}").get_json()
    assert deleted["state"] == "cancelled" and deleted["deleted"] is True
    assert store.claim() is None  # a cancelled job's chunks are not handed out
    assert client.get(f"/api/jobs/{job}").status_code == 404  # and it is gone, rows and all


def test_a_restarted_service_resumes_from_the_last_finished_chunk(tmp_path):
    store = JobStore(tmp_path)
    options = {"column": "review", "format": "csv", "classifier": None, "name": "r.csv", "chunk_rows": 500}
    from sentiment.bulk.tables import read_rows

    job = store.create(read_rows(io.BufferedReader(io.BytesIO(reviews_csv(2000))), "csv"), options, 500)
    # A service that took chunk 0 and died mid-chunk: its process is gone, its claim remains.
    assert store.claim()[1] == 0
    with store._db() as db:
        db.execute("UPDATE chunks SET owner = ? WHERE number = 0", (dead_pid(),))
    client = make_app(tmp_path).test_client()  # starts its engine: unfinished work was found
    status = wait(client, job)
    assert status["state"] == "done" and status["rows_done"] == 2000
    rows = list(csv.DictReader(io.StringIO(client.get(status["result_url"]).data.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [str(at) for at in range(2000)]


def dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_chunk_done_twice_counts_once(tmp_path):
    store = JobStore(tmp_path)
    job = store.create(({"text": t} for t in "abc"), {"column": "text", "chunk_rows": 3}, 3)
    _, number, _ = store.claim()
    store.finish(job, number, [{"text": t, "n": 1} for t in "abc"])
    store.finish(job, number, [{"text": t, "n": 2} for t in "abc"])  # a retry after a crash overwrites
    status = store.status(job)
    assert status["state"] == "done" and status["rows_done"] == 3
    assert [row["n"] for row in store.result(job)] == [2, 2, 2]


def test_a_data_directory_from_before_attempts_were_counted_still_opens(tmp_path):
    import sqlite3

    (tmp_path / "jobs").mkdir()
    with sqlite3.connect(tmp_path / "jobs" / "jobs.sqlite3") as db:
        db.executescript(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY, state TEXT NOT NULL, created REAL NOT NULL, started REAL, "
            "finished REAL, total INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL, "
            "options TEXT NOT NULL, error TEXT);"
            "CREATE TABLE chunks (job TEXT NOT NULL, number INTEGER NOT NULL, state TEXT NOT NULL, rows INTEGER NOT "
            "NULL, owner INTEGER, claimed REAL, task TEXT, sent REAL, PRIMARY KEY (job, number));")
    store = JobStore(tmp_path)
    job = store.create(({"text": t} for t in "ab"), {"column": "text", "chunk_rows": 2}, 2)
    _, number, _ = store.claim()
    store.sent(job, number, "task-1")
    store.requeue(job, number)
    store.claim()
    store.sent(job, number, "task-2")
    assert [(j, n, task, attempts) for j, n, task, _, attempts in store.in_flight()] == [(job, 0, "task-2", 2)]


def test_expired_jobs_are_removed_with_their_files(tmp_path):
    store = JobStore(tmp_path)
    job = store.create(({"text": "好"} for _ in range(2)), {"column": "text", "chunk_rows": 2}, 2)
    assert store.expire(3600) == 0 and (tmp_path / "jobs" / job).is_dir()  # younger than an hour: kept
    assert store.expire(0) == 1 and not (tmp_path / "jobs" / job).exists()
    with pytest.raises(UnknownJob):
        store.status(job)


def test_over_gunicorn_progress_moves_and_a_restart_mid_job_loses_no_row(tmp_path):
    import json
    import urllib.request

    from conftest import Gunicorn

    settings = dict(SENTIMENT_MODEL="bundled", SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT, WEB_CONCURRENCY="2",
                    SENTIMENT_DATA_DIR=str(tmp_path / "data"), SENTIMENT_JOB_CHUNK_ROWS="500")
    rows = 12_000
    boundary = "----sentiment-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"reviews.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + reviews_csv(rows) + f"\r\n--{boundary}--\r\n".encode()

    def get(server, path):
        with urllib.request.urlopen(server.url + path, timeout=30) as response:
            return response.read()

    server = Gunicorn(tmp_path / "first.txt", **settings)
    try:
        server.wait_ready()
        request = urllib.request.Request(server.url + "/api/jobs", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 202
            job = json.loads(response.read())["id"]
        seen = []
        while len(set(seen)) < 3:  # progress moves: three different counts of rows done
            seen.append(json.loads(get(server, f"/api/jobs/{job}"))["rows_done"])
            time.sleep(0.1)
        assert 0 < seen[-1] < rows, "stop the service mid-job"
    finally:
        server.stop()
    restarted = Gunicorn(tmp_path / "second.txt", **settings)
    try:
        restarted.wait_ready()
        deadline = time.monotonic() + 120
        while (status := json.loads(get(restarted, f"/api/jobs/{job}")))["state"] != "done":
            assert status["state"] == "running" and time.monotonic() < deadline, status
            time.sleep(0.2)
        result = list(csv.DictReader(io.StringIO(get(restarted, f"/api/jobs/{job}/result").decode("utf-8-sig"))))
        assert [r["id"] for r in result] == [str(at) for at in range(rows)]
        assert status["rows_done"] == rows
    finally:
        restarted.stop()


def test_the_cli_runs_a_job_on_a_running_service(tmp_path):
    from conftest import Gunicorn
    from test_cli import run

    source = tmp_path / "reviews.csv"
    source.write_bytes(reviews_csv(3000))
    server = Gunicorn(tmp_path / "log.txt", SENTIMENT_MODEL="bundled-lite", SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT,
                      WEB_CONCURRENCY="1", SENTIMENT_DATA_DIR=str(tmp_path / "data"), SENTIMENT_JOB_CHUNK_ROWS="500",
                      SENTIMENT_API_KEYS="cli-key")
    try:
        server.wait_ready(workers=1)
        keyless = run("tag", str(source), "--server", server.url)
        assert keyless.returncode == 2 and "API 密钥" in keyless.stderr
        result = run("tag", str(source), "-o", str(tmp_path / "out.csv"), "--server", server.url, "--api-key", "cli-key")
        assert result.returncode == 0, result.stderr
        local = run("tag", str(source), "-o", str(tmp_path / "local.csv"))
        assert local.returncode == 0
        assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
        (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
        refused = run("tag", str(tmp_path / "scan.pdf"), "--server", server.url, "--api-key", "cli-key")
        assert refused.returncode == 2 and "只支持" in refused.stderr  # the service's own message
    finally:
        server.stop()


def test_a_text_that_is_not_a_string_is_named(tmp_path):
    response = make_app(tmp_path).test_client().post("/api/jobs", json={"texts": ["好", 3]})
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_type"
    assert response.get_json()["index"] == 1


def test_a_job_with_zero_shot_labels_adds_the_pipelines_answers(tiny_zero_shot, tmp_path):
    app = make_app(tmp_path, SENTIMENT_ZERO_SHOT_MODEL=str(tiny_zero_shot))
    client = app.test_client()
    labels = ["物流问题", "商品质量", "售后体验"]
    body = "review\n快递太慢了\n\n衣服质量不错但是有点贵\n退货流程很麻烦\n".encode()
    response = client.post("/api/jobs", data={"file": (io.BytesIO(body), "r.csv"), "labels": "物流问题，商品质量,售后体验"},
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    status = wait(client, response.get_json()["id"])
    rows = list(csv.DictReader(io.StringIO(client.get(status["result_url"]).data.decode("utf-8-sig"))))
    assert [r["review"] for r in rows] == ["快递太慢了", "", "衣服质量不错但是有点贵", "退货流程很麻烦"]  # the empty row kept
    pipeline = app.extensions["zero_shot"].get().pipeline
    for row in rows:
        if not row["review"]:
            assert row["error"].startswith("empty_text") and row["zero_shot_label"] == ""
            continue
        expected = pipeline(row["review"], candidate_labels=labels, hypothesis_template="这条评论说的是{}。")
        assert row["zero_shot_label"] == expected["labels"][0] and row["label"] in ("正面", "负面")
        scores = dict(zip(expected["labels"], expected["scores"]))
        assert [float(row[f"zero_shot_score_{label}"]) for label in labels] == pytest.approx(
            [scores[label] for label in labels], abs=1e-4)  # the file holds 4 decimals
    texts = client.post("/api/jobs", json={"texts": ["快递太慢了"], "labels": labels, "multi_label": True,
                                           "hypothesis_template": "这是关于{}的评论"})
    assert texts.status_code == 202, texts.get_json()
    answer = client.get(wait(client, texts.get_json()["id"])["result_url"]).data.decode()
    assert '"zero_shot_label"' in answer


@pytest.mark.parametrize("body, status, code", [
    ({"texts": ["好"], "labels": ["物流"]}, 400, "too_few_labels"),
    ({"texts": ["好"], "labels": ["物流", "物流"]}, 400, "duplicate_label"),
    ({"texts": ["好"], "labels": ["物流", "质量"], "hypothesis_template": "没有占位"}, 400, "invalid_template"),
    ({"texts": ["好"], "labels": ["物流", "质量"], "multi_label": "yes"}, 400, "invalid_type"),
    ({"texts": ["好"], "labels": ["物流", "质量"], "classifier": "x"}, 400, "ambiguous_model"),
    ({"texts": ["好"], "labels": ["物流", "质量"]}, 409, "zero_shot_unavailable"),
    ({"texts": ["好"], "model": "gpt-4"}, 400, "unknown_model"),
    ({"texts": ["好"], "model": 3}, 400, "invalid_type"),
])
def test_a_job_that_cannot_be_done_is_refused_before_it_starts(tmp_path, body, status, code):
    client = make_app(tmp_path).test_client()
    response = client.post("/api/jobs", json=body)
    assert response.status_code == status and response.get_json()["code"] == code, response.get_json()
    assert client.get("/api/jobs").get_json()["jobs"] == []  # nothing was queued


def test_a_file_without_the_named_column_is_refused_at_once(tmp_path):
    client = make_app(tmp_path).test_client()
    def submit(body: bytes, **form):
        return client.post("/api/jobs", data={"file": (io.BytesIO(body), "r.csv"), **form}, content_type="multipart/form-data")
    response = submit("id,星级\n1,5\n".encode())
    assert response.status_code == 400 and response.get_json()["code"] == "missing_column"
    assert "星级" in response.get_json()["error"]  # the message lists the columns the file has
    assert submit("id,review\n1,很好\n".encode(), column="正文").get_json()["code"] == "missing_column"
    assert submit("id,review\n".encode()).get_json()["code"] == "empty_file"
    assert submit("id,评价\n1,很好\n".encode(), column="评价").status_code == 202


def test_a_job_may_name_another_bundled_model_than_the_one_served(tmp_path):
    """The service serves the n-gram model; a job asks for the BiGRU and gets its answers, row by row."""
    from sentiment.models.backends.bundled import DEFAULT_DIR, BundledBackend
    from sentiment.models.service import SentimentService

    client = make_app(tmp_path).test_client()
    texts = ["送餐很快，味道也不错", "本来以为会很难吃，结果出乎意料的好吃", "客服态度冷淡"]
    response = client.post("/api/jobs", json={"texts": texts, "model": "bundled-fast"})
    status = wait(client, response.get_json()["id"])
    rows = [json.loads(line) for line in client.get(status["result_url"]).data.decode().splitlines()]
    expected = SentimentService(BundledBackend(DEFAULT_DIR, "bundled")).analyse(texts)
    assert [row["label"] for row in rows] == [answer["label"] for answer in expected]
    assert all(abs(row["confidence"] - answer["confidence"]) < 1e-3 for row, answer in zip(rows, expected))
