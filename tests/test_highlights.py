"""explain: true: the spans that moved the verdict, found by leaving pieces of the text out (occlusion),
with offsets into each text as sent; off by default."""
from __future__ import annotations

import pytest

from app import create_app
from sentiment.models.highlights import CHARACTER_LIMIT


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled"}).test_client()


def test_the_word_that_decided_is_highlighted_first(client):
    answer = client.post("/api/sentiment", json={"text": "😀这家店的包子真难吃", "explain": True}).get_json()
    assert answer["label"] == "负面"
    top = answer["highlights"][0]
    assert "难" in top["text"] and "😀这家店的包子真难吃"[top["start"]:top["end"]] == top["text"]
    assert top["weights"]["负面"] > 0.1 and top["weights"]["正面"] == pytest.approx(-top["weights"]["负面"], abs=1e-3)


def test_a_batch_keeps_its_order_and_every_span_slices_its_own_text(client):
    texts = ["好吃😀！太贵了。", "質量很好，但是物流太慢", "一般般吧", "👍👍 很棒！！", "服務態度很差，再也不來了"] * 13
    results = client.post("/api/sentiment", json={"texts": texts[:64], "explain": True}).get_json()["results"]
    assert [r["text"] for r in results] == texts[:64]
    for text, result in zip(texts, results):
        assert 1 <= len(result["highlights"]) <= 3
        assert all(text[h["start"]:h["end"]] == h["text"] for h in result["highlights"])


def test_a_long_text_is_explained_by_its_sentences(client):
    text = "菜很好吃，服务员很热情。" * 30 + "不过最后发现里面有根头发，恶心死了，再也不会点了！"
    assert len(text) > CHARACTER_LIMIT
    answer = client.post("/api/sentiment", json={"text": text, "explain": True}).get_json()
    assert all(h["text"].endswith(("。", "！")) for h in answer["highlights"])  # whole sentences


def test_explain_is_off_by_default_and_must_be_a_boolean(client):
    assert "highlights" not in client.post("/api/sentiment", json={"text": "好吃"}).get_json()
    response = client.post("/api/sentiment", json={"text": "好吃", "explain": "yes"})
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_type"
