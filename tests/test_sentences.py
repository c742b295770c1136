"""Every answer's sentences: where they are (offsets that slice the text as sent), what each says, and
whether they confidently disagree (``mixed``)."""
from __future__ import annotations

import pytest

from app import create_app
from sentiment.models.explain import MIXED_CONFIDENCE, mixed
from sentiment.models.sentences import cut


@pytest.mark.parametrize("text, pieces", [
    ("煲仔饭一如既往的好吃，但是鸡煲味道一般!", ["煲仔饭一如既往的好吃，", "但是鸡煲味道一般!"]),
    ("好吃😀！\r\n太贵了。", ["好吃😀！", "太贵了。"]),
    ("一般般吧", ["一般般吧"]),
    ("  很好！！！  不过有点贵…… ", ["很好！！！", "不过有点贵……"]),
    ("他说：“真好吃！”然后走了", ["他说：“真好吃！”", "然后走了"]),
    ("好吃。!!", ["好吃。!!"]),
    ("但是很好吃", ["但是很好吃"]),  # a turn at the very start cuts nothing off
    ("cafe\u0301很好，但价格贵", ["cafe\u0301很好，", "但价格贵"]),  # a combining accent stays with its letter
    ("", []),
])
def test_cut_finds_each_sentence_and_turn_with_offsets_into_the_text_as_sent(text, pieces):
    spans = cut(text)
    assert [text[start:end] for start, end in spans] == pieces
    assert all(0 <= start < end <= len(text) for start, end in spans)
    assert spans == sorted(spans) and all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_mixed_needs_two_confident_sentences_that_disagree():
    sure, unsure = MIXED_CONFIDENCE + 0.1, MIXED_CONFIDENCE - 0.01
    assert mixed([{"sentiment": "Positive", "confidence": sure}, {"sentiment": "Negative", "confidence": sure}])
    assert not mixed([{"sentiment": "Positive", "confidence": sure}, {"sentiment": "Negative", "confidence": unsure}])
    assert not mixed([{"sentiment": "Positive", "confidence": sure}, {"sentiment": "Neutral", "confidence": 1.0}])


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled"}).test_client()


def test_a_review_that_praises_then_complains_is_mixed_with_its_complaint_placed(client):
    text = "菜很好吃，服务员也很热情，环境干净。\r\n不过最后发现里面有根头发，恶心死了，再也不会点了！"
    answer = client.post("/api/sentiment", json={"text": text}).get_json()
    assert answer["mixed"] is True
    last = answer["sentences"][-1]
    assert text[last["start"]:last["end"]] == last["text"] == "不过最后发现里面有根头发，恶心死了，再也不会点了！"
    assert last["label"] == "负面" and last["confidence"] > 0.8
    assert answer["sentences"][0]["label"] == "正面"


def test_a_batch_keeps_order_and_every_offset_slices_its_own_text(client):
    texts = ["好吃😀！太贵了。", "質量很好，但是物流太慢", "一般般吧", "👍👍 很棒！！", "再也不来了"] * 12
    results = client.post("/api/sentiment", json={"texts": texts}).get_json()["results"]
    assert [r["text"] for r in results] == texts
    for text, result in zip(texts, results):
        assert result["sentences"] and all(text[s["start"]:s["end"]] == s["text"] for s in result["sentences"])
        if len(result["sentences"]) == 1:  # one sentence: the whole text's own answer
            assert result["sentences"][0]["label"] == result["label"]
            assert result["sentences"][0]["confidence"] == result["confidence"]


LONG_REVIEW = ("这家店我已经点了很多次了，每次都很满意。" "招牌煲仔饭米饭焦香，腊肠很入味，分量也足。"
               "鸡翅外酥里嫩，酱汁调得刚刚好，一点也不腻。" "青菜很新鲜，炒得很脆，颜色也好看。"
               "汤是现熬的，味道很浓，喝完身上暖暖的。" "配送很快，下单后半小时就到了，饭菜还是热的。"
               "包装也很用心，每个盒子都封得严严实实，没有洒出来。" "价格实惠，经常有满减，性价比很高。") * 4 + \
              "不过最后发现里面有根头发，恶心死了，再也不会点了。"


def test_a_long_review_that_ends_in_a_strong_complaint_is_mixed_with_the_complaint_placed(client):
    assert len(LONG_REVIEW) > 600
    answer = client.post("/api/sentiment", json={"text": LONG_REVIEW, "explain": True}).get_json()
    assert answer["label"] == "正面" and answer["mixed"] is True and answer["windows"] > 1
    last = answer["sentences"][-1]
    assert LONG_REVIEW[last["start"]:last["end"]] == "不过最后发现里面有根头发，恶心死了，再也不会点了。"
    assert last["label"] == "负面" and last["confidence"] > 0.9
    starts, ends = {s["start"] for s in answer["sentences"]}, {s["end"] for s in answer["sentences"]}
    # A long text is explained by its sentences: each span is one sentence or neighbouring ones joined.
    assert answer["highlights"] and all(h["start"] in starts and h["end"] in ends for h in answer["highlights"])
