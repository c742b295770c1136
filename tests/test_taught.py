"""Taught classifiers below the API: the corpus IDF, cross-validation, and predict agreeing with the fit."""
from __future__ import annotations

import numpy as np
import pytest

from sentiment.models.custom import taught, topics
from sentiment.models.custom.store import ClassifierStore
from sentiment.training.idf import document_frequencies

from test_custom_api import ROUTING


def test_the_shipped_idf_fits_the_features_and_ranks_function_characters_low():
    weights = taught.idf()
    assert weights.shape == (1 << taught.BITS,)
    def weight(text: str) -> float:
        ids, _ = taught.tf_vector(text, 1, taught.BITS)  # the character's bucket and the two boundary markers
        return float(weights[ids].max())  # the markers are in every text: weight 1
    assert weight("的") < 2.0 < weight("蒙")  # 的 is in most texts, 蒙 in few


def test_document_frequencies_count_each_text_once():
    counts = document_frequencies(["好好好", "好"])
    ids, _ = taught.tf_vector("好", 1, taught.BITS)
    assert counts[ids].max() == 2  # 好 in both texts, however often within one


def routing() -> tuple[list[str], list[str]]:
    return [t for ts in ROUTING.values() for t in ts], [label for label, ts in ROUTING.items() for _ in ts]


@pytest.mark.parametrize("topic_weight", taught.TOPIC_WEIGHTS)
def test_predict_on_the_examples_matches_the_fitted_logits(topic_weight):
    texts, labels = routing()
    model = taught.TaughtClassifier.fit("x", texts, labels, topic_weight=topic_weight)
    matrix = taught.features(texts)[:, model.columns]
    expected = np.asarray(matrix @ model.weights.T.astype(np.float64) + model.bias)
    if topic_weight:
        assert model.topic.shape == (len(ROUTING), topics.dimensions())
        expected += topics.embed_rows(taught.features(texts)) @ model.topic.T
    else:
        assert model.topic.size == 0
    got = np.array([[p.scores[label] for label in model.labels] for p in model.predict(texts)])
    softmax = np.exp(expected - expected.max(1, keepdims=True))
    assert got == pytest.approx(softmax / softmax.sum(1, keepdims=True), abs=1e-6)
    assert [p.label for p in model.predict(texts)] == labels  # it learned its own examples


def test_cross_validation_holds_every_example_out_once_and_reports_each_label():
    texts, labels = routing()
    report = taught.cross_validated(texts, labels)
    assert report["folds"] == 5 and set(report["per_label"]) == set(ROUTING)
    # 18 examples: every accuracy is a whole number of right answers over 6 or 18.
    assert round(report["accuracy"] * 18, 3) == round(report["accuracy"] * 18)


def test_teaching_keeps_the_topic_weight_that_cross_validates_best():
    texts, labels = routing()
    model = taught.teach("t", texts, labels)
    tried = model.report["topic_weights_tried"]
    assert set(tried) == {str(weight) for weight in taught.TOPIC_WEIGHTS}
    assert model.report["topic_weight"] in taught.TOPIC_WEIGHTS
    assert tried[str(model.report["topic_weight"])] == max(tried.values())
    assert model.report["cross_validation"]["accuracy"] == max(tried.values())
    assert (model.topic.size > 0) == bool(model.report["topic_weight"])


def test_the_shipped_topic_vectors_put_texts_about_one_thing_together():
    buckets, vectors = topics.table()
    assert vectors.dtype == np.float16 and vectors.shape == (len(buckets), topics.dimensions())
    assert np.all(np.diff(buckets) > 0) and 0 <= buckets[0] and buckets[-1] < 1 << taught.BITS
    phone, hotel = "手机屏幕很清晰，电池也耐用", "酒店房间干净，前台服务热情"
    def near(a: str, b: str) -> float:
        return float(topics.embed(*taught.weighted(a)) @ topics.embed(*taught.weighted(b)))
    assert near(phone, "这款手机信号好，充电也快") > near(phone, hotel) + 0.2
    assert near(hotel, "宾馆的床很舒服，早餐丰富") > near(hotel, phone) + 0.2
    assert np.linalg.norm(topics.embed(*taught.weighted(phone))) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("topic_weight", taught.TOPIC_WEIGHTS)
def test_a_stored_classifier_answers_as_it_did_before_saving(tmp_path, topic_weight):
    texts, labels = routing()
    model = taught.TaughtClassifier.fit("s", texts, labels, {"labels": sorted(ROUTING)}, topic_weight)
    ClassifierStore(tmp_path).save(model)
    loaded = ClassifierStore(tmp_path).get("s")
    probe = ["快递什么时候到", "退货流程好复杂", "线头太多了"]
    for before, after in zip(model.predict(probe), loaded.predict(probe)):
        assert before.label == after.label
        assert [before.scores[l] for l in model.labels] == pytest.approx([after.scores[l] for l in model.labels], abs=1e-6)


def test_a_classifier_saved_before_topic_vectors_still_loads(tmp_path):
    texts, labels = routing()
    store = ClassifierStore(tmp_path)
    model = taught.TaughtClassifier.fit("old", texts, labels, {"labels": sorted(ROUTING)})
    store.save(model)
    with np.load(store.folder / "old.npz") as saved:
        arrays = {name: saved[name] for name in ("columns", "weights", "bias")}  # the format without "topic"
    np.savez(store.folder / "old.npz", **arrays)
    assert [p.label for p in store.get("old").predict(texts)] == [p.label for p in model.predict(texts)]


def test_a_stored_classifier_reloads_when_replaced(tmp_path):
    store = ClassifierStore(tmp_path)
    texts, labels = routing()
    store.save(taught.teach("r", texts, labels))
    first = store.get("r")
    assert store.get("r") is first  # cached while unchanged
    two = {label: ts for label, ts in list(ROUTING.items())[:2]}
    store.save(taught.teach("r", [t for ts in two.values() for t in ts], [l for l, ts in two.items() for _ in ts]))
    assert store.get("r").labels == tuple(sorted(two))
