"""``python -m sentiment evaluate`` on users' own files, and the metrics behind it."""
from __future__ import annotations

import json

import pytest

from sentiment.evaluation.metrics import accuracy, confusion, expected_calibration_error, macro_f1
from test_cli import run


def test_metrics_on_a_worked_example():
    truth = ["neg", "neg", "pos", "pos", "pos"]
    said = ["neg", "pos", "pos", "pos", "neg"]
    assert accuracy(truth, said) == 0.6
    assert confusion(truth, said, ["neg", "pos"]) == [[1, 1], [1, 2]]
    # F1(neg) = 2/(2+1+1) = 0.5; F1(pos) = 4/(4+1+1) = 2/3
    assert macro_f1(truth, said, ["neg", "pos"]) == pytest.approx((0.5 + 2 / 3) / 2)
    assert expected_calibration_error([0.9, 0.9, 0.6, 0.6], [True, True, True, False]) == pytest.approx(
        0.5 * 0.1 + 0.5 * 0.1)


def test_evaluate_csv_with_01_labels_reports_everything(tmp_path):
    data = tmp_path / "mine.csv"
    data.write_text("review,label\n这个东西真心很赞,1\n质量太差了，再也不买了,0\n送餐很快，味道也不错,1\n"
                    "客服态度冷淡，等了一个小时,0\n,1\n", encoding="utf-8")
    result = run("evaluate", "--data", str(data), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["count"] == 4 and report["accuracy"] == 1.0 and report["macro_f1"] == 1.0
    assert report["confusion"] == [[2, 0], [0, 2]] and report["labels"] == ["负面", "正面"]
    assert report["skipped"] == [{"row": 5, "error": "text 是空的，请输入要分析的内容。", "code": "empty_text"}]
    assert report["texts_per_second"] > 0 and report["worst_mistakes"] == []


def test_evaluate_jsonl_with_model_label_names_lists_confident_mistakes(tmp_path):
    data = tmp_path / "mine.jsonl"
    rows = [{"text": "这个东西真心很赞", "y": "负面"}, {"text": "质量太差了，再也不买了", "y": "负面"},
            {"text": "很好", "y": "negative"}]
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = run("evaluate", "--data", str(data), "--text-col", "text", "--label-col", "y")
    assert result.returncode == 0, result.stderr
    assert "准确率：33.33%" in result.stdout and "模型最有把握却答错的评论" in result.stdout
    assert "这个东西真心很赞" in result.stdout


def test_evaluate_says_what_is_wrong_with_a_file(tmp_path):
    data = tmp_path / "mine.csv"
    data.write_text("id,stars\n1,5\n", encoding="utf-8")
    missing = run("evaluate", "--data", str(data))
    assert missing.returncode == 2 and "找不到像是文本的列" in missing.stderr and "stars" in missing.stderr
    data.write_text("comment,verdict\n好,maybe\n", encoding="utf-8")
    bad_label = run("evaluate", "--data", str(data), "--text-col", "comment", "--label-col", "verdict")
    assert bad_label.returncode == 2 and "标签“maybe”无法识别" in bad_label.stderr
    nothing = run("evaluate", "--data", str(tmp_path / "absent.csv"))
    assert nothing.returncode == 2 and "absent.csv" in nothing.stderr
    for result in (missing, bad_label, nothing):
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("labels", [["好评", "差评", "中评", "好评"], ["5", "1", "3", "4星"], ["★★★★★", "★", "★★★", "★★★★"],
                                    ["正", "负", "中", "正"], ["pos", "neg", "neu", "POS"]])
def test_evaluate_takes_the_usual_ways_reviews_are_labelled(tmp_path, labels):
    data = tmp_path / "shop.csv"
    texts = ["这个东西真心很赞", "质量太差了，再也不买了", "一般般吧", "非常满意，物流也快"]
    data.write_text("评论,评级\n" + "".join(f"{t},{l}\n" for t, l in zip(texts, labels)), encoding="utf-8")
    result = run("evaluate", "--data", str(data), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["count"] == 3 and report["accuracy"] == 1.0  # the neutral one cannot be scored by a binary model
    assert report["skipped"] == [{"row": 3, "code": "neutral_label",
                                  "error": f"标签“{labels[2]}”是中性的，而模型没有“中性”这一类（用三分类模型可以评估它）"}]


def test_challenge_set_is_big_enough_and_labelled():
    from conftest import ROOT

    cases = [json.loads(line) for line in (ROOT / "tests" / "data" / "challenge.jsonl").read_text("utf-8").splitlines()]
    from sentiment.training.sources import TASKS

    assert len(cases) >= 300
    assert all(c["label"] in TASKS[c["task"]] for c in cases)
    assert {c["label"] for c in cases if c["kind"] == "emotion"} == set(TASKS["emotion"])
    assert {c["label"] for c in cases if c["kind"] == "neutral"} == {"中性"}
    assert {"negation", "turn", "sarcasm", "slang", "slang-unseen", "emoji", "traditional", "english", "short", "long",
            "plain", "neutral", "emotion"} <= {c["kind"] for c in cases}
    assert len({c["review"] for c in cases}) == len(cases)
    assert all(len(c["review"]) >= 2000 for c in cases if c["kind"] == "long")


def test_evaluate_reads_gbk_csv_from_excel(tmp_path):
    data = tmp_path / "excel.csv"
    data.write_bytes("review,label\n这个东西真心很赞,1\n质量太差了，再也不买了,0\n".encode("gbk"))
    result = run("evaluate", "--data", str(data), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["accuracy"] == 1.0


def test_evaluate_names_the_bad_line_of_a_jsonl_file(tmp_path):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"review": "很好", "label": 1}\n{"review": "差", "label": 0\n', encoding="utf-8")
    result = run("evaluate", "--data", str(data))
    assert result.returncode == 2 and "line 2 is not JSON" in result.stderr and "Traceback" not in result.stderr
