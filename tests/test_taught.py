"""Taught classifiers below the API: the corpus IDF, cross-validation, and predict agreeing with the fit."""
from __future__ import annotations

import numpy as np
import pytest

from sentiment.models.custom import taught
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


def test_predict_on_the_examples_matches_the_fitted_logits():
    texts = [t for ts in ROUTING.values() for t in ts]
    labels = [label for label, ts in ROUTING.items() for _ in ts]
    model = taught.TaughtClassifier.fit("x", texts, labels)
    matrix = taught.features(texts)[:, model.columns]
    expected = np.asarray(matrix @ model.weights.T.astype(np.float64) + model.bias)
    got = np.array([[p.scores[label] for label in model.labels] for p in model.predict(texts)])
    softmax = np.exp(expected - expected.max(1, keepdims=True))
    assert got == pytest.approx(softmax / softmax.sum(1, keepdims=True), abs=1e-6)
    assert [p.label for p in model.predict(texts)] == labels  # it learned its own examples


def test_cross_validation_holds_every_example_out_once_and_reports_each_label():
    texts = [t for ts in ROUTING.values() for t in ts]
    labels = [label for label, ts in ROUTING.items() for _ in ts]
    report = taught.cross_validated(texts, labels)
    assert report["folds"] == 5 and set(report["per_label"]) == set(ROUTING)
    # 18 examples: every accuracy is a whole number of right answers over 6 or 18.
    assert round(report["accuracy"] * 18, 3) == round(report["accuracy"] * 18)


def test_a_stored_classifier_reloads_when_replaced(tmp_path):
    store = ClassifierStore(tmp_path)
    texts = [t for ts in ROUTING.values() for t in ts]
    labels = [label for label, ts in ROUTING.items() for _ in ts]
    store.save(taught.teach("r", texts, labels))
    first = store.get("r")
    assert store.get("r") is first  # cached while unchanged
    two = {label: ts for label, ts in list(ROUTING.items())[:2]}
    store.save(taught.teach("r", [t for ts in two.values() for t in ts], [l for l, ts in two.items() for _ in ts]))
    assert store.get("r").labels == tuple(sorted(two))
