"""mT5-style generative zero-shot through ModelScope's text2text pipeline, on a tiny random T5 the tests write."""
from __future__ import annotations

import pytest

from app import create_app
from sentiment.models.custom.generative import PROMPT, map_answer

LABELS = ["物流问题", "商品质量", "售后体验"]


@pytest.mark.parametrize("written, expected", [
    ("商品质量", ("商品质量", False)),
    ("商品质量。", ("商品质量", False)),  # trailing punctuation is not a difference
    ("这是商品质量的问题", ("商品质量", True)),  # contains a label
    ("物流", ("物流问题", True)),  # contained in a label
    ("售后体检", ("售后体验", True)),  # closest by characters
    ("", ("物流问题", True)),  # nothing written: still one of the labels, said to be mapped
])
def test_a_written_answer_maps_to_one_label(written, expected):
    assert map_answer(written, LABELS) == expected


def test_the_api_serves_a_text2text_model_and_says_what_it_wrote(tiny_t5, tmp_path):
    app = create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": str(tiny_t5),
                      "SENTIMENT_DATA_DIR": str(tmp_path)})
    client = app.test_client()
    assert client.get("/api/classifiers").get_json()["zero_shot"] == {"available": True, "model": "tiny"}
    pipeline = app.extensions["zero_shot"].get().pipeline
    texts = ["快递太慢了", "客服不理人"]
    results = client.post("/api/classify", json={"texts": texts, "labels": LABELS}).get_json()["results"]
    for text, result in zip(texts, results):
        written = pipeline(PROMPT.format(labels=",".join(LABELS), text=text))["text"]
        assert result["generated"] == written
        assert (result["label"], result["mapped"]) == map_answer(written, LABELS)
        assert result["scores"][result["label"]] == 1.0 and sum(result["scores"].values()) == 1.0
        assert result["model"] == "tiny" and set(result["labels"]) == set(LABELS)
    for extra in ({"multi_label": True}, {"hypothesis_template": "这是{}"}):
        response = client.post("/api/classify", json={"text": "快递太慢了", "labels": LABELS, **extra})
        assert response.status_code == 400 and response.get_json()["code"] == "unsupported_option"
