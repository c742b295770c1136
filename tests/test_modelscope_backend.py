"""The ModelScope path, through the real ``modelscope`` pipeline on tiny StructBERT directories."""
from __future__ import annotations

import shutil

import pytest

from app import create_app
from conftest import assert_same_answers
from sentiment.models.backends import BackendUnavailable, choose, load_backend
from sentiment.models.backends.modelscope_pipeline import cache_dir
from sentiment.config import DEFAULT_MODEL_ID, from_env
from sentiment.models.answer import shape
from sentiment.models.prediction import Prediction
from sentiment.models.service import SentimentService, windows

TEXTS = ["这个东西真心很赞", "质量太差了，再也不买了", "差", "物流很快 but 包装一般，还行吧 👍", "好" * 300]


def settings(**overrides):
    return {**from_env({}), **overrides}


def pipeline_answer(backend, text: str, windows: int = 1) -> dict:
    """``pipeline(text)`` itself, ModelScope's own answer for one text, in the API's shape."""
    output = backend._pipeline(text)
    return shape(text, Prediction.from_scores(dict(zip(output["labels"], output["scores"]))), windows, backend.name)


@pytest.fixture(scope="module")
def backend(tiny_structbert):
    loaded, choice = load_backend(settings(SENTIMENT_BACKEND="modelscope", SENTIMENT_MODEL=str(tiny_structbert)))
    assert choice.kind == "modelscope"
    return loaded


def test_labels_come_from_the_model(backend):
    assert backend.labels == ("负面", "正面")
    assert backend.window == 510


def test_batched_scores_equal_the_pipelines_own_answers(backend):
    """Our batched call must give what ``pipeline(text)`` gives for each text alone."""
    predictions = backend.predict(TEXTS)
    for text, prediction in zip(TEXTS, predictions):
        expected = backend._pipeline(text)
        reference = dict(zip(expected["labels"], expected["scores"]))
        assert prediction.scores.keys() == reference.keys()
        for label, score in reference.items():
            assert prediction.scores[label] == pytest.approx(score, abs=1e-5)
        assert prediction.label == max(reference, key=reference.get)


def test_length_sorted_batches_return_input_order(backend):
    service = SentimentService(backend, batch_size=2)
    texts = ["很好" * 100, "差", "一般般吧" * 20, "好", "还行" * 50]
    assert_same_answers(service.analyse(texts), [pipeline_answer(backend, t) for t in texts])


def test_long_text_is_read_in_overlapping_windows(backend):
    """The answer is the mean of the windows, each as the pipeline answers it alone."""
    service = SentimentService(backend, batch_size=4, overlap=64)
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2040))  # varied, so the windows disagree
    result = service.analyse([text])[0]
    assert result["windows"] == 5  # 446-character stride over 2,040 characters with a 510 window
    alone = [pipeline_answer(backend, part)["scores"] for part in windows(text, 510, 64)]
    assert max(a["正面"] for a in alone) - min(a["正面"] for a in alone) > 0.01, "the windows must disagree"
    for label in ("负面", "正面"):
        assert result["scores"][label] == pytest.approx(sum(a[label] for a in alone) / len(alone), abs=1e-3)


def test_multi_class_model_labels_reach_the_api(tiny_emotion):
    app = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope", "SENTIMENT_MODEL": str(tiny_emotion)})
    texts = ["今天真开心", "气死我了", "好", "差", "一般般吧" * 30]
    body = app.test_client().post("/api/sentiment", json={"texts": texts}).get_json()
    backend = app.extensions["sentiment_model"].service.backend.inner  # coalescing wraps the PyTorch backend
    assert backend.labels == ("高兴", "愤怒", "悲伤")
    assert_same_answers(body["results"], [pipeline_answer(backend, t) for t in texts])
    assert all(r["sentiment"] is None and r["emoji"] == "🏷️" for r in body["results"])
    assert len({r["label"] for r in body["results"]}) > 1, "every answer the same label would not show labels map"


def test_service_answers_through_modelscope(tiny_structbert):
    app = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope", "SENTIMENT_MODEL": str(tiny_structbert)})
    client = app.test_client()
    ready = client.get("/ready").get_json()
    assert ready["backend"] == "modelscope" and ready["labels"] == ["负面", "正面"]
    body = client.post("/api/sentiment", json={"texts": TEXTS}).get_json()
    backend = app.extensions["sentiment_model"].service.backend.inner
    assert_same_answers(body["results"], [pipeline_answer(backend, t) for t in TEXTS])


def test_auto_prefers_a_local_structbert_directory(tiny_structbert):
    choice = choose(settings(SENTIMENT_MODEL=str(tiny_structbert)))
    assert choice.kind == "modelscope" and str(tiny_structbert) in choice.reason


def test_auto_falls_back_to_the_bundled_model_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path))
    choice = choose(settings())
    assert choice.kind == "embedded"
    assert DEFAULT_MODEL_ID in choice.reason and "python -m sentiment download" in choice.reason


def test_auto_finds_weights_in_the_modelscope_cache(tiny_structbert, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path))
    from modelscope.hub.utils.utils import get_cache_dir

    assert cache_dir(DEFAULT_MODEL_ID) == type(cache_dir(DEFAULT_MODEL_ID))(get_cache_dir(DEFAULT_MODEL_ID))
    shutil.copytree(tiny_structbert, cache_dir(DEFAULT_MODEL_ID))
    choice = choose(settings())
    assert choice.kind == "modelscope" and choice.location == cache_dir(DEFAULT_MODEL_ID)
    backend, _ = load_backend(settings())
    assert backend.name == DEFAULT_MODEL_ID and backend.labels == ("负面", "正面")


def test_explicit_modelscope_without_weights_fails_fast_with_advice(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path))
    with pytest.raises(BackendUnavailable, match="python -m sentiment download"):
        load_backend(settings(SENTIMENT_BACKEND="modelscope"))


def test_broken_model_directory_is_reported_not_crashed(tiny_structbert, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_structbert, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(BackendUnavailable, match="cannot load the modelscope model"):
        load_backend(settings(SENTIMENT_BACKEND="modelscope", SENTIMENT_MODEL=str(broken)))
