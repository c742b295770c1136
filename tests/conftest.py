"""Shared fixtures: apps on the real bundled model, tiny StructBERT directories, a live Gunicorn."""
from __future__ import annotations

import csv
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import create_app
from sentiment.models.structbert_dir import NLI_LABELS, write_structbert_dir
from sentiment.models.t5_dir import write_t5_dir

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("SENTIMENT_DATASETS", ROOT.parent / "shared" / "datasets"))


# No zero-shot model unless a test names one, whatever the machine's ModelScope cache holds; and not
# the bundled e5 encoder either (every app and server a test starts inherits this), unless the test
# sets SENTIMENT_E5_ZERO_SHOT_DIR itself.
NO_ZERO_SHOT = "/nonexistent/zero-shot-model"
os.environ["SENTIMENT_E5_ZERO_SHOT_DIR"] = NO_ZERO_SHOT


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                       "SENTIMENT_DATA_DIR": str(tmp_path_factory.mktemp("data"))})


@pytest.fixture()
def client(app):
    return app.test_client()


def assert_clear_answer(model: str, text: str, label: str) -> None:
    """The service on ``model`` answers ``text`` with ``label`` by a margin no CPU's rounding can cross."""
    answer = create_app({"TESTING": True, "SENTIMENT_MODEL": model}).test_client().post(
        "/api/sentiment", json={"text": text}).get_json()
    first, second = sorted(answer["scores"].values(), reverse=True)[:2]
    assert answer["label"] == label and first - second > 0.1, answer


# Weights drawn from N(0, 0.2), not BERT's 0.02: at 0.02 a tiny random model answers 0.504 for every
# text, so a test could not tell one text's answer from another's. At 0.2 answers spread over
# roughly 0.3-0.7 and both labels occur.
TINY_INIT_STD = 0.2


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, one per test module; a machine without it fails the browser tests, never skips them."""
    from chromium import CHROMIUM, FLAGS

    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def tiny_structbert(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer StructBERT sentiment directory with the published labels."""
    return write_structbert_dir(tmp_path_factory.mktemp("structbert") / "tiny", init_std=TINY_INIT_STD)


@pytest.fixture(scope="session")
def tiny_emotion(tmp_path_factory) -> Path:
    """A multi-class model, to show labels come from the model and are never hard-coded."""
    return write_structbert_dir(tmp_path_factory.mktemp("emotion") / "tiny", labels=("高兴", "愤怒", "悲伤"), seed=1,
                                init_std=TINY_INIT_STD)


@pytest.fixture(scope="session")
def tiny_zero_shot(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer StructBERT NLI directory in the zero-shot models' layout."""
    return write_structbert_dir(tmp_path_factory.mktemp("zero-shot") / "tiny", labels=NLI_LABELS, task="zero-shot",
                                init_std=TINY_INIT_STD, seed=3)


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer T5 text2text directory in ModelScope's layout."""
    return write_t5_dir(tmp_path_factory.mktemp("t5") / "tiny")


def assert_same_answers(got: list[dict], expected: list[dict], tolerance: float = 1e-3) -> None:
    """Answers agree text by text: same label, scores within ``tolerance`` (not the last float bits).

    It first checks that the expected answers differ from one another by more than the tolerance;
    otherwise answers swapped between texts would pass unnoticed."""
    assert len(got) == len(expected)
    first = next(iter(expected[0]["scores"]))
    values = sorted(answer["scores"][first] for answer in expected)
    assert all(b - a > 2 * tolerance for a, b in zip(values, values[1:])), \
        f"the texts' answers are too alike to show which answer belongs to which text: {values}"
    for index, (mine, theirs) in enumerate(zip(got, expected)):
        assert mine["text"] == theirs["text"], index
        assert mine["label"] == theirs["label"], (index, mine, theirs)
        assert mine["scores"].keys() == theirs["scores"].keys(), index
        for label, score in theirs["scores"].items():
            assert abs(mine["scores"][label] - score) <= tolerance, (index, label, mine["scores"], theirs["scores"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """A real ``gunicorn -c gunicorn.conf.py app:app`` on a free local port."""

    def __init__(self, log_path: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        environment = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", **env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            cwd=ROOT, env=environment, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
        )

    def wait_ready(self, workers: int = 2, timeout: float = 120) -> None:
        """Until every worker has logged its loaded model and /ready answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.log().count("sentiment model:") >= workers:
                    with urllib.request.urlopen(self.url + "/ready", timeout=2) as response:
                        if response.status == 200:
                            return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"gunicorn not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Gunicorn on the bundled model with two workers, as `make run` starts it."""
    folder = tmp_path_factory.mktemp("gunicorn")
    server = Gunicorn(folder / "log.txt", SENTIMENT_BACKEND="auto", SENTIMENT_MODEL=str(ROOT / "no-such-model"),
                      WEB_CONCURRENCY="2", SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT, SENTIMENT_DATA_DIR=str(folder / "data"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


# The corpora fixture's sentences: opinion words, things and endings that combine into labelled texts.
GOOD = ("不错", "漂亮", "舒服", "干净", "方便", "便宜", "精致", "好吃")
BAD = ("难吃", "糟糕", "恶劣", "粗糙", "肮脏", "冷淡", "昂贵", "破旧")
THINGS = ("味道", "服务", "包装", "房间", "环境", "做工", "价格", "外观", "餐具", "座位")
ENDINGS = ("", "。", "！", "，下次还来", "，真的", "啊")
FEELINGS = {"angry": "气死我了", "fear": "好害怕", "happy": "太开心了", "neutral": "开会通知", "sad": "好难过",
            "surprise": "居然这样"}


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="session")
def corpora(tmp_path_factory) -> Path:
    """A tiny shared/datasets: waimai-style reviews, SMP2020-style emotion posts (train and eval) and
    BDCI-style car comments, in the real files' layouts, so trainers run end to end in seconds."""
    root = tmp_path_factory.mktemp("datasets")
    reviews = [[label, f"{thing}很{word}{ending}"] for (label, words), thing, ending in itertools.product(
        ((1, GOOD), (0, BAD)), THINGS, ENDINGS) for word in words]
    write_csv(root / "waimai_10k.csv", ["label", "review"], reviews)
    posts = [[f"今天{thing}的事{feeling}{ending}", emotion]
             for (emotion, feeling), thing, ending in itertools.product(FEELINGS.items(), THINGS, ENDINGS)]
    write_csv(root / "more" / "smp2020_ewect" / "usual_train.csv", ["text", "emotion"], posts[::2])
    write_csv(root / "more" / "smp2020_ewect" / "usual_eval.csv", ["text", "emotion"], posts[1::2])
    car = [[at, f"这车的{thing}{word}", thing, value, ""] for at, (thing, (word, value)) in enumerate(
        itertools.product(THINGS, (("一般", 0), ("还可以", 0), ("很好", 1), ("太差", -1))))]
    write_csv(root / "more" / "bdci_car_2018" / "train.csv",
               ["content_id", "content", "subject", "sentiment_value", "sentiment_word"], car)
    return root
