"""``python -m sentiment`` as a user runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT


def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sentiment", *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
        env={**os.environ, "SENTIMENT_MODEL": "bundled-lite", **env}, timeout=120,
    )


def test_predict_prints_one_json_answer_per_text_in_order():
    result = run("predict", "这个东西真心很赞", "   ", "质量太差了，再也不买了")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["text"] for line in lines] == ["这个东西真心很赞", "   ", "质量太差了，再也不买了"]
    assert lines[0]["sentiment"] == "Positive" and lines[2]["sentiment"] == "Negative"
    assert lines[1]["code"] == "empty_text"
    assert lines[0]["sentences"][0]["text"] == "这个东西真心很赞" and lines[0]["mixed"] is False  # as the API answers
    assert result.returncode == 2  # a bad line is reported, and the exit status says so
    assert "bundled-char-ngram-lr" in result.stderr


def test_predict_reads_standard_input():
    result = run("predict", stdin="送餐很快，味道也不错\n\n客服态度冷淡\n")
    assert result.returncode == 0
    assert [json.loads(line)["sentiment"] for line in result.stdout.splitlines()] == ["Positive", "Negative"]


@pytest.mark.parametrize("family, name", [("", "bundled-e5"), ("-fast", "bundled-v2")])
def test_predict_with_each_bundled_neural_model_uses_its_labels(family, name):
    for head, labels in (("", {"负面", "正面"}), ("-3way", {"负面", "中性", "正面"}),
                         ("-emotion", {"愤怒", "恐惧", "高兴", "无情绪", "悲伤", "惊讶"})):
        model = f"bundled{family}{head}"
        result = run("predict", "虽然贵了点，但是质量真的好", SENTIMENT_MODEL=model)
        answer = json.loads(result.stdout)
        assert result.returncode == 0 and set(answer["scores"]) == labels and answer["label"] in labels
        assert f"{model}: {name}" in result.stderr


def test_download_fails_fast_and_clearly_without_a_hub():
    # Port 9 on loopback refuses at once: the situation of a machine with no internet.
    result = run("download", "--timeout", "3", MODELSCOPE_DOMAIN="127.0.0.1:9")
    assert result.returncode == 2
    assert "连不上 ModelScope 模型库" in result.stderr and "内置模型" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_backend_setting_is_refused():
    result = run("predict", "好", SENTIMENT_BACKEND="gpu")
    assert result.returncode == 2 and "SENTIMENT_BACKEND='gpu' must be one of auto, modelscope, onnx, bundled" in result.stderr
    assert "Traceback" not in result.stderr


def test_predict_with_a_missing_model_says_so_without_a_trace(tmp_path):
    result = run("predict", "好", SENTIMENT_LITE_MODEL=str(tmp_path / "missing.npz"))
    assert result.returncode == 2 and "cannot load the bundled-lite model" in result.stderr
    assert "Traceback" not in result.stderr


def test_predict_answers_undecodable_and_invisible_lines_in_their_place():
    stdin = "很好\n".encode() + b"\xff\xfe bad bytes\n" + "\u200b\u200b\n质量太差了，再也不买了\n".encode()
    result = subprocess.run(
        [sys.executable, "-m", "sentiment", "predict"], cwd=ROOT, input=stdin, capture_output=True, timeout=120,
        env={**os.environ, "SENTIMENT_MODEL": "bundled-lite"},
    )
    lines = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [line.get("code") or line["label"] for line in lines] == ["正面", "invalid_unicode", "empty_text", "负面"]
    assert lines[1]["text"] == "\udcff\udcfe bad bytes"  # the bytes, escaped, so the line can be found
    assert result.returncode == 2 and b"Traceback" not in result.stderr


def test_teach_writes_a_classifier_the_service_then_serves(tmp_path):
    from app import create_app
    from conftest import NO_ZERO_SHOT
    from test_custom_api import ROUTING

    examples = tmp_path / "examples.csv"
    examples.write_text("内容,分类\n" + "".join(f"{text},{label}\n" for label, texts in ROUTING.items() for text in texts),
                        encoding="utf-8")
    result = run("teach", "路由", str(examples), SENTIMENT_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("已教会分类器“路由”：3 个标签，18 条示例") and "交叉验证准确率" in result.stdout
    assert "{" not in result.stdout  # a summary to read, not raw JSON (that is --json)
    result = run("teach", "路由", str(examples), "--json", "--replace", SENTIMENT_DATA_DIR=str(tmp_path / "data"))
    report = json.loads(result.stdout)
    assert report["name"] == "路由" and report["counts"] == {label: 6 for label in ROUTING}
    again = run("teach", "路由", str(examples), SENTIMENT_DATA_DIR=str(tmp_path / "data"))
    assert again.returncode == 2 and "--replace" in again.stderr
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_DATA_DIR": str(tmp_path / "data")})
    answer = app.test_client().post("/api/classify", json={"text": "快递三天才到", "classifier": "路由"}).get_json()
    assert answer["label"] == "物流问题", answer


def test_teach_refuses_a_set_with_one_label(tmp_path):
    examples = tmp_path / "one.csv"
    examples.write_text("text,label\n" + "快递慢,物流\n" * 6, encoding="utf-8")
    result = run("teach", "one", str(examples), SENTIMENT_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 2 and "至少需要 2 个不同的标签" in result.stderr
