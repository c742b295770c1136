"""``python -m sentiment evaluate`` and ``teach``: a model scored on the user's labelled file, and a classifier
taught from one; the columns named or found (``bulk.columns``), messages in Chinese."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sentiment.bulk.columns import MissingColumn
from sentiment.cli_common import fail, load_service
from sentiment.config import from_env


def _missing(error: MissingColumn) -> int:
    return fail(error.say("--text-col" if error.what == "文本" else "--label-col"))


def evaluate(args: argparse.Namespace) -> int:
    """Score the configured model on the user's labelled CSV or JSONL file."""
    from tqdm import tqdm

    from sentiment.bulk.labelled import read_labelled_rows
    from sentiment.evaluation.evaluate import LabelError, evaluate as run_evaluation

    config = from_env()
    try:
        rows = read_labelled_rows(args.data.read_bytes(), str(args.data), args.text_col, args.label_col)
    except MissingColumn as error:
        return _missing(error)
    except (OSError, ValueError) as error:
        return fail(error)
    service = load_service(config)
    with tqdm(total=len(rows), unit="text", file=sys.stderr, disable=None) as bar:
        try:
            report = run_evaluation(service, rows, config["SENTIMENT_MAX_CHARS"], progress=bar.update)
        except LabelError as error:
            return fail(f"{args.data}：{error}")
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.as_text())
    return 0


def taught_summary(saved: dict) -> str:
    """What a teacher reads after teaching: the labels and examples, cross-validated accuracy overall and per
    label, and the threshold below which the classifier answers 其他."""
    check = saved.get("cross_validation", {})
    per_label = " · ".join(f"{label} {share:.0%}" for label, share in check.get("per_label", {}).items())
    counts = "、".join(f"{label}（{n} 条）" for label, n in saved.get("counts", {}).items())
    lines = [f"已教会分类器“{saved['name']}”：{len(saved['labels'])} 个标签，{saved.get('examples', 0)} 条示例：{counts}",
             f"交叉验证准确率 {check.get('accuracy', 0):.1%}（{check.get('folds', 0)} 折）：{per_label}",
             f"把握低于 {saved.get('threshold', 0):.0%} 的回答记为“其他”（交叉验证里九成正确回答的把握在此之上）",
             f"使用：python -m sentiment tag 文件 --classifier {saved['name']}"]
    return "\n".join(lines)


def teach(args: argparse.Namespace) -> int:
    """Teach a classifier from a labelled file into SENTIMENT_DATA_DIR, where the service finds it."""
    from sentiment.models.custom.store import ClassifierStore, InvalidName, check_name
    from sentiment.models.custom.taught import check_examples, teach as run_teach
    from sentiment.bulk.labelled import read_labelled_rows

    config = from_env()
    store = ClassifierStore(Path(config["SENTIMENT_DATA_DIR"]))
    try:
        name = check_name(args.name)
        if store.exists(name) and not args.replace:
            raise ValueError(f"已经有名为“{name}”的分类器；要重新教它，加 --replace")
        rows = read_labelled_rows(args.file.read_bytes(), str(args.file), args.text_col, args.label_col)
        texts, labels = check_examples(rows, config["SENTIMENT_MIN_EXAMPLES_PER_LABEL"],
                                       config["SENTIMENT_MAX_EXAMPLES"], config["SENTIMENT_MAX_CHARS"],
                                       config["SENTIMENT_MAX_LABELS"])
    except MissingColumn as error:
        return _missing(error)
    except (OSError, ValueError, InvalidName) as error:
        return fail(getattr(error, "message", error))
    saved = store.save(run_teach(name, texts, labels))
    print(json.dumps(saved, ensure_ascii=False, indent=1) if args.json else taught_summary(saved))
    return 0
