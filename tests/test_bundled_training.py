"""Training the bundled neural models end to end, on a small corpus folder the test writes.

CI cannot retrain the shipped model (an hour of CPU), so these tests run every step of
``make train`` (sources, augmentation, pretraining, fine-tuning, ONNX export, serving) on
a few hundred templated reviews, with a tiny encoder, in seconds.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import BAD, GOOD, write_csv
from sentiment.models.backends.bundled import BundledBackend
from sentiment.training import augment, multitask, pretrain, train_bundled
from sentiment.training.data import is_test
from sentiment.training.sources import EMOTIONS, Record, derive, read_smp2020_eval, read_sources, split_records

def test_sources_read_each_format_into_the_projects_labels(corpora):
    sources = read_sources(corpora)
    assert set(sources) == {"waimai", "bdci_car_2018", "smp2020_usual"}  # absent sources are skipped
    assert {r.label for r in sources["waimai"]} == {"负面", "正面"}
    assert {r.label for r in sources["bdci_car_2018"]} == {"负面", "中性", "正面"}
    assert {r.label for r in sources["smp2020_usual"]} == set(EMOTIONS)
    assert all(" " not in r.text for records in sources.values() for r in records)
    evaluation = read_smp2020_eval(corpora)["usual"]
    assert not {r.text for r in evaluation} & {r.text for r in sources["smp2020_usual"]}
    train, test = split_records(sources["waimai"])
    assert test and all(is_test(r.text) for r in test) and not any(is_test(r.text) for r in train)


@pytest.mark.parametrize("record, heads", [
    (Record("好", "polarity", "正面", "s"), {"polarity": "正面", "three_way": "正面"}),
    (Record("一般", "three_way", "中性", "s"), {"three_way": "中性"}),
    (Record("气", "emotion", "愤怒", "s"), {"emotion": "愤怒", "three_way": "负面", "polarity": "负面"}),
    (Record("哇", "emotion", "惊讶", "s"), {"emotion": "惊讶"}),  # surprise has no polarity
    (Record("平", "emotion", "无情绪", "s"), {"emotion": "无情绪", "three_way": "中性"}),
])
def test_each_record_teaches_the_heads_its_label_implies(record, heads):
    assert derive(record) == heads


def test_weibo_emoticon_tags_are_stripped_and_mixed_aspects_dropped(tmp_path):
    write_csv(tmp_path / "more" / "weibo_senti_100k" / "weibo_senti.csv", ["label", "review"],
               [[1, "今天真好[哈哈][鼓掌]"], [0, "[泪]唉"]])
    write_csv(tmp_path / "more" / "bdci_car_2018" / "train.csv",
               ["content_id", "content", "subject", "sentiment_value", "sentiment_word"],
               [[1, "动力好油耗高", "动力", 1, ""], [1, "动力好油耗高", "油耗", -1, ""], [2, "空间大", "空间", 1, ""]])
    sources = read_sources(tmp_path)
    assert [r.text for r in sources["weibo_senti_100k"]] == ["今天真好", "唉"]
    assert [(r.text, r.label) for r in sources["bdci_car_2018"]] == [("空间大", "正面")]


def test_composed_sentences_follow_the_clause_after_a_turn_and_flip_under_negation(corpora):
    records = [r for records in read_sources(corpora).values() for r in split_records(records)[0]]
    material = augment.gather(records)
    assert set(material.words["正面"]) <= set(GOOD) and set(material.words["负面"]) <= set(BAD)
    composed = augment.compose(material, 600, seed=5)
    assert composed == augment.compose(material, 600, seed=5)  # seeded
    assert {r.label for r in composed} == {"正面", "负面", "中性"}
    for record in composed:
        if "但是" in record.text:
            after = record.text.split("但是", 1)[1]
            assert any(w in after for w in (GOOD if record.label == "正面" else BAD)), record
        if record.text.startswith("一点也不"):
            word = next(w for w in GOOD + BAD if record.text[4:].startswith(w))
            assert record.label == ("负面" if word in GOOD else "正面"), record


@pytest.fixture(scope="module")
def trained(corpora, tmp_path_factory) -> Path:
    """Pretrain a tiny encoder on the corpus text, then fine-tune and export it."""
    folder = tmp_path_factory.mktemp("bundled")
    tiny = ["--embedding", "24", "--hidden", "24", "--min-char-count", "1", "--threads", "1"]
    options = pretrain.parse(["--datasets", str(corpora), "--out", str(folder / "pretrained"), "--epochs", "1", *tiny])
    pretrain.pretrain(options, pretrain.texts_of(options))
    train_bundled.train(train_bundled.parse([
        "--datasets", str(corpora), "--out", str(folder / "model"), "--epochs", "6", "--augment", "300",
        "--lr", "0.01", "--init", str(folder / "pretrained"), "--threads", "1"]))
    return folder / "model"


def test_a_trained_model_serves_all_three_heads_and_learned_the_corpus(trained, corpora):
    meta = json.loads((trained / "meta.json").read_text(encoding="utf-8"))
    assert meta["heads"]["emotion"] == list(EMOTIONS) and meta["training"]["init"]
    sources = read_sources(corpora)
    reviews = sources["waimai"]
    binary = BundledBackend(trained, "bundled")
    assert binary.labels == ("负面", "正面")
    hits = [p.label == r.label for p, r in zip(binary.predict([r.text for r in reviews]), reviews)]
    assert np.mean(hits) > 0.9
    three = BundledBackend(trained, "bundled-3way")
    assert three.labels == ("负面", "中性", "正面")
    cars = sources["bdci_car_2018"]
    assert np.mean([p.label == r.label for p, r in zip(three.predict([r.text for r in cars]), cars)]) > 0.6
    emotion = BundledBackend(trained, "bundled-emotion")
    assert emotion.labels == EMOTIONS
    posts = read_smp2020_eval(corpora)["usual"]  # never trained on
    assert np.mean([p.label == r.label for p, r in zip(emotion.predict([r.text for r in posts]), posts)]) > 0.5


def test_an_exported_model_answers_each_text_in_a_batch_as_it_does_alone(trained):
    backend = BundledBackend(trained, "bundled-emotion")
    texts = ["味道很好", "服务太冷淡了，再也不来", "一", "今天的事好害怕" * 20, "房间干净，价格便宜，下次还来"]
    together = backend.predict(texts)
    for text, answer in zip(texts, together):
        alone = backend.predict([text])[0]
        assert alone.label == answer.label
        assert all(abs(alone.scores[k] - answer.scores[k]) < 1e-4 for k in alone.scores)


def test_the_distillation_loss_is_zero_only_where_the_student_answers_as_the_teacher():
    torch = pytest.importorskip("torch")
    teacher = torch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    assert float(multitask.distillation(teacher.clone(), teacher)) == pytest.approx(0.0, abs=1e-6)
    shifted = teacher + 5.0  # the same answer: softmax ignores a shift
    assert float(multitask.distillation(shifted, teacher)) == pytest.approx(0.0, abs=1e-6)
    assert float(multitask.distillation(teacher.flip(1), teacher)) > 0.1


def test_a_student_taught_by_a_model_answers_more_as_it_does_than_one_taught_by_the_labels_alone(
        trained, corpora, tmp_path):
    """--teacher: a smaller encoder also learns the teacher's answers, on every head for every record."""
    texts = [r.text for records in read_sources(corpora).values() for r in records]
    heads = ("bundled", "bundled-3way", "bundled-emotion")
    teacher = {head: BundledBackend(trained, head).predict(texts) for head in heads}

    def agreement(*extra: str) -> dict[str, float]:
        out = tmp_path / ("student" if extra else "plain")
        train_bundled.train(train_bundled.parse([
            "--datasets", str(corpora), "--out", str(out), "--epochs", "6", "--augment", "300", "--lr", "0.01",
            "--embedding", "16", "--hidden", "16", "--min-char-count", "1", "--threads", "1", *extra]))
        return {head: float(np.mean([s.label == t.label for s, t in zip(
            BundledBackend(out, head).predict(texts), teacher[head])])) for head in heads}

    taught, plain = agreement("--teacher", str(trained)), agreement()
    assert json.loads((tmp_path / "student" / "meta.json").read_text(encoding="utf-8"))["training"]["teacher"]
    assert taught["bundled"] > 0.9
    assert sum(taught.values()) > sum(plain.values()) + 0.05, (taught, plain)


def test_unlabelled_clauses_are_new_texts_cut_from_longer_training_texts():
    """What a teacher answers beyond the labelled texts (train_bundled --teacher --unlabelled)."""
    records = [Record("菜很好吃，送餐太慢了，下次不点了", "polarity", "负面", "waimai"),
               Record("送餐太慢了", "polarity", "负面", "waimai"), Record("好", "polarity", "正面", "waimai")]
    clauses = augment.clauses_of(records, 10, seed=1)
    assert sorted(clauses) == ["下次不点了", "菜很好吃"]
    assert len(augment.clauses_of(records, 1, seed=1)) == 1
