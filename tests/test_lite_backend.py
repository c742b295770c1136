"""The bundled model's file and scoring, without the corpora: fixed answers, the file format, safety."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sentiment.models.backends.lite import DEFAULT_PATH, LiteBackend, save_model

# Log-odds of 正面 the shipped model gives, recorded from it; a change to features, weights, bias or
# temperature moves them. The tolerance is for another CPU's float rounding, not for a changed model.
LOGITS = {
    "这个东西真心很赞": 1.9012,
    "質量太差了，再也不買了": -11.3343,  # Traditional characters read as their Simplified twins
    "一般般，还行吧": -0.9174,
    "ＯＫ，还不错": 6.136,  # full-width letters folded
    "zzzz": 0.96,
}


@pytest.fixture(scope="module")
def backend():
    return LiteBackend()


@pytest.mark.parametrize("text, logit", LOGITS.items())
def test_the_shipped_model_gives_its_recorded_answers(backend, text, logit):
    assert backend.logit(text) == pytest.approx(logit, abs=1e-3)
    positive = 1 / (1 + math.exp(-logit))
    prediction = backend.predict([text])[0]
    assert prediction.scores == pytest.approx({"负面": 1 - positive, "正面": positive}, abs=1e-3)
    assert prediction.label == ("正面" if positive > 0.5 else "负面")


def test_a_batch_answers_as_its_texts_do_alone(backend):
    texts = list(LOGITS)
    assert backend.predict(texts) == [backend.predict([t])[0] for t in texts]


def test_lookup_tables_cover_exactly_the_hash_space_in_float32():
    """2 × 8 MB per worker: twice the buckets or float64 would double it."""
    fresh = LiteBackend()
    for table in (fresh._idf, fresh._coef):
        assert table.shape == (1 << fresh.meta["bits"],) and table.dtype == np.float32


def test_a_saved_model_loads_and_answers_as_the_original(tmp_path, backend):
    with np.load(DEFAULT_PATH, allow_pickle=False) as data:
        arrays = {name: data[name] for name in ("ids", "idf", "coef")}
        bias = float(data["bias"])
    out = tmp_path / "new" / "dir" / "model.npz"
    shuffled = dict(reversed(list(backend.meta.items())))  # the file sorts the keys itself
    for _ in range(2):  # into a directory that does not exist yet, then over the file
        save_model(out, bias=bias, meta=shuffled, **arrays)
    copy = LiteBackend(out)
    assert copy.meta == backend.meta and copy.name == "bundled-char-ngram-lr" and copy.labels == ("负面", "正面")
    assert [copy.logit(t) for t in LOGITS] == pytest.approx([backend.logit(t) for t in LOGITS], abs=1e-6)
    with np.load(out, allow_pickle=False) as saved:
        assert sorted(saved.files) == ["bias", "coef", "idf", "ids", "meta"]
        assert saved["bias"].dtype == np.float32 and all(saved[n].dtype != object for n in saved.files)
        # metadata stored as readable, key-sorted JSON, so the same model always writes the same text
        assert str(saved["meta"]) == json.dumps(backend.meta, ensure_ascii=False, sort_keys=True)
        assert '"labels": ["负面", "正面"]' in str(saved["meta"])


def test_a_model_file_holding_a_pickle_is_refused(tmp_path):
    evil = tmp_path / "evil.npz"
    np.savez(evil, meta=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        LiteBackend(evil)
