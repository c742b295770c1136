"""The ModelScope path, through the real ``modelscope`` pipeline on tiny StructBERT directories."""
from __future__ import annotations

import os
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
    backend = app.extensions["sentiment_model"].get().backend.inner  # coalescing wraps the PyTorch backend
    assert backend.labels == ("高兴", "愤怒", "悲伤")
    assert_same_answers(body["results"], [pipeline_answer(backend, t) for t in texts])
    expected = {"高兴": ("Positive", "😄"), "愤怒": ("Negative", "😠"), "悲伤": ("Negative", "😢")}
    assert all((r["sentiment"], r["emoji"]) == expected[r["label"]] for r in body["results"])
    assert len({r["label"] for r in body["results"]}) > 1, "every answer the same label would not show labels map"


def test_service_answers_through_modelscope(tiny_structbert):
    app = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope", "SENTIMENT_MODEL": str(tiny_structbert)})
    client = app.test_client()
    ready = client.get("/ready").get_json()
    assert ready["backend"] == "modelscope" and ready["labels"] == ["负面", "正面"]
    body = client.post("/api/sentiment", json={"texts": TEXTS}).get_json()
    backend = app.extensions["sentiment_model"].get().backend.inner
    assert_same_answers(body["results"], [pipeline_answer(backend, t) for t in TEXTS])


def test_auto_prefers_a_local_structbert_directory(tiny_structbert):
    choice = choose(settings(SENTIMENT_MODEL=str(tiny_structbert)))
    assert choice.kind == "modelscope" and str(tiny_structbert) in choice.reason


@pytest.mark.parametrize("model, setting", [
    ("bundled", "SENTIMENT_TRANSFORMER_DIR"), ("bundled-3way", "SENTIMENT_TRANSFORMER_DIR"),
    ("bundled-emotion", "SENTIMENT_TRANSFORMER_DIR"), ("bundled-fast", "SENTIMENT_BUNDLED_DIR"),
    ("bundled-fast-3way", "SENTIMENT_BUNDLED_DIR"), ("bundled-fast-emotion", "SENTIMENT_BUNDLED_DIR"),
    ("bundled-lite", "SENTIMENT_LITE_MODEL")])
def test_a_bundled_model_name_is_served_from_its_own_file(model, setting):
    config = settings(SENTIMENT_MODEL=model)
    choice = choose(config)
    assert (choice.kind, choice.bundled, str(choice.location)) == ("bundled", model, config[setting])
    with pytest.raises(BackendUnavailable, match=f"SENTIMENT_BACKEND=modelscope cannot serve the bundled model {model}"):
        choose(settings(SENTIMENT_MODEL=model, SENTIMENT_BACKEND="modelscope"))


def test_backend_bundled_never_serves_structbert_even_when_it_is_on_disk(tiny_structbert):
    choice = choose(settings(SENTIMENT_BACKEND="bundled", SENTIMENT_MODEL=str(tiny_structbert)))
    assert (choice.kind, choice.bundled, choice.reason) == ("bundled", "bundled", "SENTIMENT_BACKEND=bundled")


def test_auto_falls_back_to_the_bundled_model_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path))
    choice = choose(settings())
    assert choice.kind == "bundled"
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


def test_a_text_longer_than_the_model_reads_is_cut_to_its_first_window(backend):
    """The service windows long texts; a caller of the backend itself still gets an answer, not a crash."""
    assert backend.predict(["好差" * 400])[0].scores == pytest.approx(backend.predict(["好差" * 255])[0].scores,
                                                                       abs=1e-5)


@pytest.mark.parametrize("positions, window", [(128, 126), (1024, 510)])
def test_the_window_follows_the_models_positions_up_to_512_tokens(tmp_path, positions, window):
    from sentiment.models.backends.modelscope_pipeline import ModelScopeBackend
    from sentiment.models.structbert_dir import write_structbert_dir

    model = ModelScopeBackend(write_structbert_dir(tmp_path / "m", max_positions=positions, vocab_size=6000), "m")
    assert model.window == window and model.max_tokens == window + 2
    assert len(model.predict(["好" * 2000])) == 1


def test_loading_sets_torch_threads_and_keeps_tokenizers_from_forking_threads(tiny_structbert, monkeypatch):
    import torch

    from sentiment.models.backends.modelscope_pipeline import ModelScopeBackend

    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    before = torch.get_num_threads()
    try:
        ModelScopeBackend(tiny_structbert, "tiny", threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert os.environ["TOKENIZERS_PARALLELISM"] == "false"


def test_the_cache_is_under_home_unless_modelscope_cache_says_otherwise(tmp_path, monkeypatch):
    from modelscope.hub.utils.utils import get_cache_dir

    monkeypatch.delenv("MODELSCOPE_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".cache" / "modelscope" / "hub" / DEFAULT_MODEL_ID
    assert cache_dir(DEFAULT_MODEL_ID) == expected == type(expected)(get_cache_dir(DEFAULT_MODEL_ID))


def test_a_directory_needs_both_configuration_and_weights(tiny_structbert, tmp_path):
    from sentiment.models.backends.modelscope_pipeline import display_name, local_model_dir

    only_config = tmp_path / "only-config"
    only_config.mkdir()
    shutil.copy(tiny_structbert / "configuration.json", only_config)
    only_weights = tmp_path / "only-weights"
    only_weights.mkdir()
    shutil.copy(tiny_structbert / "model.safetensors", only_weights)
    assert local_model_dir(str(only_config)) is None and local_model_dir(str(only_weights)) is None
    assert local_model_dir(str(tiny_structbert)) == tiny_structbert
    assert display_name(str(tiny_structbert), tiny_structbert) == "tiny"
    assert display_name(DEFAULT_MODEL_ID, cache_dir(DEFAULT_MODEL_ID)) == DEFAULT_MODEL_ID


def test_highlights_through_the_modelscope_pipeline_are_what_deleting_each_span_does(tiny_structbert):
    """explain: true needs nothing but predict, so StructBERT through ModelScope is explained as the bundled
    models are: each span's weight is how much deleting it moves each label."""
    client = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope",
                         "SENTIMENT_MODEL": str(tiny_structbert)}).test_client()
    text = "这家店的包子很好吃，但是服务太差了"
    answer = client.post("/api/sentiment", json={"text": text, "explain": True}).get_json()
    assert answer["highlights"] and all(text[h["start"]:h["end"]] == h["text"] for h in answer["highlights"])
    top = answer["highlights"][0]
    without = client.post("/api/sentiment", json={"text": text[:top["start"]] + text[top["end"]:]}).get_json()
    for label, weight in top["weights"].items():
        assert answer["scores"][label] - without["scores"][label] == pytest.approx(weight, abs=2e-3)
