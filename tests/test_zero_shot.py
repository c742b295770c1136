"""The batched zero-shot path against ModelScope's own pipeline, on a tiny random NLI directory."""
from __future__ import annotations

import pytest

from conftest import NO_ZERO_SHOT
from sentiment.models.custom.zero_shot import NotZeroShot, ZeroShotClassifier
from sentiment.models.custom.zero_shot_slot import ZeroShotSlot, ZeroShotUnavailable

LABELS = ["物流问题", "商品质量", "售后体验", "价格争议", "功能建议"]
TEXTS = ["快递太慢", "衣服质量不错，就是价格有点贵，希望以后能多出几个颜色",
         "客服态度很差，退货申请三天没人处理，打电话也没人接，真的太失望了" * 4, "好",
         "包装破损严重，" * 100]  # 700 characters: truncated to 512 tokens, as the pipeline truncates


@pytest.fixture(scope="module")
def classifier(tiny_zero_shot):
    return ZeroShotClassifier(tiny_zero_shot, "tiny", batch_size=3)  # batches of 3 pairs: padding across texts


@pytest.mark.parametrize("multi_label", [False, True])
def test_batched_answers_equal_the_pipelines(classifier, multi_label):
    template = "这条评论说的是{}。"
    answers = classifier.classify(TEXTS, LABELS, template, multi_label)
    for text, answer in zip(TEXTS, answers):
        expected = classifier.pipeline(text, candidate_labels=LABELS, hypothesis_template=template,
                                       multi_label=multi_label)
        assert answer["labels"] == expected["labels"]
        assert [answer["scores"][label] for label in answer["labels"]] == pytest.approx(expected["scores"], abs=1e-5)


def test_a_sentiment_directory_is_not_taken_for_a_zero_shot_model(tiny_structbert):
    with pytest.raises(NotZeroShot):
        ZeroShotClassifier(tiny_structbert, "sentiment")
    slot = ZeroShotSlot()
    slot.load({"SENTIMENT_ZERO_SHOT_MODEL": str(tiny_structbert), "SENTIMENT_TORCH_THREADS": None,
               "SENTIMENT_E5_ZERO_SHOT_DIR": NO_ZERO_SHOT})
    with pytest.raises(ZeroShotUnavailable, match="无法加载"):
        slot.get()
    assert slot.status()["available"] is False


@pytest.fixture(scope="module")
def exported(tiny_zero_shot, tmp_path_factory):
    from sentiment.models.onnx_export import export

    folder = tmp_path_factory.mktemp("zero-shot-onnx")
    return export(tiny_zero_shot, folder / "fp32"), export(tiny_zero_shot, folder / "int8", int8=True)


def test_an_exported_zero_shot_model_answers_as_the_pipeline(classifier, exported):
    fp32, int8 = (ZeroShotClassifier(folder, "unused") for folder in exported)
    assert fp32.name == "tiny-onnx-fp32" and int8.name == "tiny-onnx-int8"
    expected = classifier.classify(TEXTS, LABELS, "这条评论说的是{}。", False)
    for model, tolerance in ((fp32, 1e-4), (int8, 0.05)):
        for answer, reference in zip(model.classify(TEXTS, LABELS, "这条评论说的是{}。", False), expected):
            assert [answer["scores"][label] for label in LABELS] == pytest.approx(
                [reference["scores"][label] for label in LABELS], abs=tolerance)


def test_the_sentiment_backend_does_not_take_a_zero_shot_export(exported):
    from sentiment.models.backends.onnx_runtime import is_onnx_dir

    assert not is_onnx_dir(exported[0]) and is_onnx_dir(exported[0], "zero-shot-classification")
    slot = ZeroShotSlot()
    slot.load({"SENTIMENT_ZERO_SHOT_MODEL": str(exported[1]), "SENTIMENT_TORCH_THREADS": 1,
               "SENTIMENT_E5_ZERO_SHOT_DIR": NO_ZERO_SHOT})
    assert slot.status() == {"available": True, "model": "tiny-onnx-int8"}
