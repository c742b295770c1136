"""The shipped BiGRU (models/bundled, served as bundled-fast*): files, the service's model names, and quality.

Quality is checked with tolerances that another CPU's rounding cannot break: accuracies
within a few tenths of a point of the figures in MODEL_CARD.md, and only sentences the
model answers with a clear margin.
"""
from __future__ import annotations

import json

import pytest

from app import create_app
from conftest import DATASETS, assert_clear_answer
from sentiment.models.backends.bundled import DEFAULT_DIR, BundledBackend
from sentiment.models.service import SentimentService
from sentiment.training.sources import EMOTIONS, read_smp2020_eval, read_sources, split_records

needs_data = pytest.mark.skipif(not (DATASETS / "more").exists(), reason=f"corpora not found under {DATASETS}")
# MODEL_CARD.md, from benchmarks/model_card.py (whole texts through the service).
SHIPPED = {"fixed_split_accuracy": 0.9193, "usual_eval_six_way_macro_f1": 0.6519}
TOLERANCE = 0.004


def client(model: str | None = None):
    settings = {"TESTING": True, "SENTIMENT_MODEL": model} if model else {"TESTING": True}
    return create_app(settings).test_client()


def test_shipped_files_are_onnx_and_json_under_30_mb():
    assert sorted(path.name for path in DEFAULT_DIR.iterdir()) == ["meta.json", "model.onnx"]
    assert all(path.stat().st_size < 30 * 1024 * 1024 for path in DEFAULT_DIR.iterdir())
    meta = json.loads((DEFAULT_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["heads"] == {"polarity": ["负面", "正面"], "three_way": ["负面", "中性", "正面"], "emotion": list(EMOTIONS)}


def test_auto_serves_the_binary_bundled_model_when_structbert_is_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path))
    ready = client().get("/ready").get_json()
    assert ready["backend"] == "bundled" and ready["model"].startswith("bundled: bundled-e5")  # the transformer
    assert ready["labels"] == ["负面", "正面"] and "auto" in ready["reason"]


@pytest.mark.parametrize("model, labels", [
    ("bundled-fast", ["负面", "正面"]), ("bundled-fast-3way", ["负面", "中性", "正面"]),
    ("bundled-fast-emotion", list(EMOTIONS)), ("bundled-lite", ["负面", "正面"])])
def test_each_bundled_model_name_serves_its_labels(model, labels):
    http = client(model)
    assert http.get("/ready").get_json()["labels"] == labels
    answer = http.post("/api/sentiment", json={"text": "今天收到礼物，太开心了"}).get_json()
    assert list(answer["scores"]) == labels and answer["label"] in labels
    assert abs(sum(answer["scores"].values()) - 1) < 1e-3


# The sentences issue #10 opens with; the n-gram model answered every one of them wrongly.
@pytest.mark.parametrize("model, text, label", [
    ("bundled-fast", "本来以为会很难吃，结果出乎意料的好吃", "正面"),
    ("bundled-fast", "虽然价格贵了点，但是质量真的没话说", "正面"),
    ("bundled-fast", "没有想象中那么差", "正面"),
    ("bundled-fast", "yyds！绝绝子", "正面"),
    ("bundled-fast-3way", "一般般吧", "中性"),
    ("bundled-fast-emotion", "气死我了，排了两个小时队还被插队", "愤怒"),
    ("bundled-fast-emotion", "我最好的朋友去世了，心里很难过", "悲伤"),
    ("bundled-fast-emotion", "看完恐怖片一个人不敢睡觉，好害怕", "恐惧"),
])
def test_word_order_and_neutral_sentences(model, text, label):
    assert_clear_answer(model, text, label)


def test_a_long_text_is_read_in_windows_of_the_encoders_length():
    text = "房间干净，服务周到，早餐丰富。" * 40
    answer = client("bundled-fast").post("/api/sentiment", json={"text": text}).get_json()
    assert answer["windows"] > 1 and answer["label"] == "正面"


@needs_data
def test_accuracy_on_the_fixed_test_split():
    sources = read_sources(DATASETS)
    test = split_records(sources["waimai"])[1] + split_records(sources["online_shopping"])[1]
    assert len(test) == 7427
    service = SentimentService(BundledBackend(DEFAULT_DIR, "bundled"), batch_size=64)  # windows, as the card
    answers = service.analyse([r.text for r in test])
    hits = sum(answer["label"] == record.label for answer, record in zip(answers, test))
    assert abs(hits / len(test) - SHIPPED["fixed_split_accuracy"]) <= TOLERANCE


@needs_data
def test_six_way_macro_f1_on_smp2020_usual_eval():
    from sentiment.evaluation.metrics import macro_f1

    records = read_smp2020_eval(DATASETS)["usual"]
    service = SentimentService(BundledBackend(DEFAULT_DIR, "bundled-emotion"), batch_size=64)
    predicted = [answer["label"] for answer in service.analyse([r.text for r in records])]
    score = macro_f1([r.label for r in records], predicted, EMOTIONS)
    assert abs(score - SHIPPED["usual_eval_six_way_macro_f1"]) <= TOLERANCE
