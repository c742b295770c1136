"""ONNX export and serving, checked against PyTorch on a tiny random StructBERT the tests write."""
from __future__ import annotations

import random

import numpy as np
import pytest

from app import create_app
from conftest import assert_same_answers
from sentiment.models.backends import BackendUnavailable, choose, load_backend
from sentiment.models.backends.modelscope_pipeline import ModelScopeBackend
from sentiment.models.backends.onnx_runtime import OnnxBackend, is_onnx_dir
from sentiment.config import from_env
from sentiment.models.onnx_export import export
from sentiment.models.service import SentimentService
from sentiment.models.structbert_dir import write_structbert_dir
from test_cli import run


def random_texts(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(1, 120))) for _ in range(count)]


TEXTS = ["这个东西真心很赞", "质量太差了，再也不买了", "差", "OK的 👍"] + random_texts(60)


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory):
    # Weights drawn wider than BERT's 0.02 so that many answers have a clear margin.
    return write_structbert_dir(tmp_path_factory.mktemp("src") / "tiny-wide", hidden=64, layers=4, heads=4,
                                init_std=0.1)


@pytest.fixture(scope="module")
def torch_backend(source_dir):
    return ModelScopeBackend(source_dir, "tiny-wide")


@pytest.fixture(scope="module")
def fp32_dir(source_dir, tmp_path_factory):
    return export(source_dir, tmp_path_factory.mktemp("onnx") / "fp32")


@pytest.fixture(scope="module")
def int8_dir(source_dir, tmp_path_factory):
    return export(source_dir, tmp_path_factory.mktemp("onnx") / "int8", int8=True)


def probabilities(backend, texts):
    """Batched the way the service batches: padded to the longest text of each call."""
    return np.array([[p.scores[label] for label in backend.labels] for p in backend.predict(texts)])


def test_fp32_matches_pytorch_within_1e_4(torch_backend, fp32_dir):
    onnx = OnnxBackend(fp32_dir)
    assert onnx.labels == torch_backend.labels and onnx.window == torch_backend.window
    for batch in (TEXTS[:1], TEXTS[:16], TEXTS):
        assert np.abs(probabilities(onnx, batch) - probabilities(torch_backend, batch)).max() < 1e-4


def test_int8_is_close_and_keeps_every_clear_label(torch_backend, int8_dir):
    reference = probabilities(torch_backend, TEXTS)
    quantized = probabilities(OnnxBackend(int8_dir), TEXTS)
    assert np.abs(quantized - reference).max() < 0.02
    clear = np.abs(reference[:, 0] - reference[:, 1]) > 0.1
    assert clear.sum() >= 10, "the check needs texts with a clear PyTorch margin"
    assert (quantized.argmax(1) == reference.argmax(1))[clear].all()


def test_export_writes_a_self_contained_directory(fp32_dir, int8_dir):
    for directory in (fp32_dir, int8_dir):
        assert {"model.onnx", "sentiment_onnx.json", "vocab.txt", "tokenizer_config.json"} <= {
            p.name for p in directory.iterdir()}
    assert (int8_dir / "model.onnx").stat().st_size < (fp32_dir / "model.onnx").stat().st_size / 2


def test_service_reads_long_text_in_the_same_windows(torch_backend, int8_dir):
    text = "".join(random_texts(1, seed=5)[0] for _ in range(30))[:1500]
    via_onnx = SentimentService(OnnxBackend(int8_dir)).analyse([text])[0]
    via_torch = SentimentService(torch_backend).analyse([text])[0]
    assert via_onnx["windows"] == via_torch["windows"] == 4
    assert abs(via_onnx["confidence"] - via_torch["confidence"]) < 0.02


def test_api_serves_an_exported_directory_and_auto_prefers_it(int8_dir, fp32_dir):
    assert choose({**from_env({}), "SENTIMENT_MODEL": str(int8_dir)}).kind == "onnx"
    # FP32, so that a batch answers as its texts do alone (INT8 quantises activations per batch).
    app = create_app({"TESTING": True, "SENTIMENT_BACKEND": "onnx", "SENTIMENT_MODEL": str(fp32_dir)})
    client = app.test_client()
    assert client.get("/ready").get_json()["backend"] == "onnx"
    texts = TEXTS[:3] + TEXTS[5:8]
    body = client.post("/api/sentiment", json={"texts": texts}).get_json()
    alone = SentimentService(OnnxBackend(fp32_dir))
    assert_same_answers(body["results"], [alone.analyse([t])[0] for t in texts], tolerance=2e-4)
    assert body["results"][0]["model"] == "tiny-wide-onnx-fp32"


def test_onnx_backend_needs_an_exported_directory(source_dir):
    with pytest.raises(BackendUnavailable, match="python -m sentiment export"):
        load_backend({**from_env({}), "SENTIMENT_BACKEND": "onnx", "SENTIMENT_MODEL": str(source_dir)})


def test_export_command_without_weights_says_what_to_do(tmp_path):
    result = run("export", "--model", "damo/not-downloaded", "--out", str(tmp_path / "x"),
                 MODELSCOPE_CACHE=str(tmp_path))
    assert result.returncode == 2 and "python -m sentiment download damo/not-downloaded" in result.stderr


def test_export_command_reports_a_failed_export_without_a_trace(source_dir, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    result = run("export", "--model", str(source_dir), "--out", str(blocked))
    assert result.returncode == 2 and "无法导出" in result.stderr and "Traceback" not in result.stderr


def test_a_text_longer_than_the_model_reads_is_cut_to_its_first_window(fp32_dir):
    onnx = OnnxBackend(fp32_dir)
    assert probabilities(onnx, ["好差" * 400]) == pytest.approx(probabilities(onnx, ["好差" * 255]), abs=1e-5)


def test_threads_are_the_workers_share_of_the_cores(fp32_dir):
    options = OnnxBackend(fp32_dir, threads=1).session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)


def test_an_exported_directory_needs_both_its_files(fp32_dir, tmp_path):
    for kept in ("model.onnx", "sentiment_onnx.json"):
        partial = tmp_path / kept
        partial.mkdir()
        (partial / kept).write_bytes((fp32_dir / kept).read_bytes())
        assert not is_onnx_dir(partial)
    assert is_onnx_dir(fp32_dir)
