"""Training topic vectors end to end on a small corpus the test writes, in seconds (the shipped
file takes minutes on all of ../shared): the command's output, and that it learns topics."""
from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest

from sentiment.models.custom import taught, topics
from sentiment.training import topics as training

PHONE = ("屏幕", "电池", "充电", "信号", "摄像头", "系统", "按键", "耳机")
HOTEL = ("房间", "前台", "早餐", "床单", "浴室", "大堂", "空调", "停车场")
SAYINGS = ("很满意", "一般般", "有点问题", "非常好", "不太行", "还可以")


def reviews() -> list[str]:
    """Each review talks about two things of one topic only."""
    return [f"{a}{x}，{b}{y}" for things in (PHONE, HOTEL) for a, b in itertools.permutations(things, 2)
            for x, y in itertools.product(SAYINGS[:3], SAYINGS[3:])]


def test_training_brings_words_of_one_topic_together():
    vectors = training.train(reviews(), dim=16, epochs=8, batch=64, lr=0.05, temperature=0.1, seed=0, device="cpu")
    def vector(text: str) -> np.ndarray:
        ids, values = taught.weighted(text)
        summed = values @ vectors[ids]
        return summed / np.linalg.norm(summed)
    same = [float(vector(a) @ vector(b)) for things in (PHONE, HOTEL) for a, b in itertools.combinations(things, 2)]
    across = [float(vector(a) @ vector(b)) for a, b in itertools.product(PHONE, HOTEL)]
    assert np.mean(same) > np.mean(across) + 0.3


def test_the_command_writes_the_file_that_topics_reads(tmp_path, monkeypatch):
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    with open(datasets / "waimai_10k.csv", "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["label", "review"])
        writer.writerows([at % 2, text] for at, text in enumerate(reviews()))
    out = tmp_path / "topics.npz"
    training.main(["--datasets", str(datasets), "--out", str(out), "--dim", "8", "--keep", "50",
                   "--epochs", "1", "--batch", "32", "--threads", "1"])
    monkeypatch.setattr(topics, "PATH", out)
    topics.table.cache_clear()
    try:
        buckets, vectors = topics.table()
        assert vectors.shape == (50, 8) and vectors.dtype == np.float16 and np.all(np.diff(buckets) > 0)
        assert topics.embed(*taught.weighted("屏幕很满意")) == pytest.approx(
            topics.embed_rows(taught.features(["屏幕很满意"]))[0], abs=1e-5)
    finally:
        topics.table.cache_clear()
