"""Zero-shot speed: ModelScope's pipeline one text at a time against the service's batched paths.

    python benchmarks/zero_shot.py [--texts 16] [--labels 5] [--layers 12]

The published zero-shot model cannot be downloaded here, so this writes a randomly initialised
directory of StructBERT-base shape (768 wide, 12 layers, 21128 tokens) in the zero-shot layout;
speed does not depend on the weights. Both paths read the same texts (real reviews of 20–120
characters) with the same labels; medians of 3 rounds, alternating, on this machine's threads. The
batched path runs on PyTorch and on the FP32 and INT8 ONNX exports of the same directory
(``python -m sentiment export``).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.models.custom.label_set import DEFAULT_TEMPLATE  # noqa: E402
from sentiment.models.custom.zero_shot import ZeroShotClassifier  # noqa: E402
from sentiment.models.onnx_export import export  # noqa: E402
from sentiment.models.structbert_dir import NLI_LABELS, write_structbert_dir  # noqa: E402

LABELS = ["物流问题", "商品质量", "售后体验", "价格争议", "功能建议", "包装破损", "发票问题", "尺码不符"]
REVIEWS = [
    "快递太慢了，等了一个星期才到，包装还压坏了",
    "衣服质量不错，做工精细，就是价格有点贵",
    "客服态度很差，申请退货三天没人处理，打电话也没人接，真的太失望了，以后不会再来这家店买东西了",
    "希望以后能增加夜间模式，晚上看屏幕太刺眼",
    "尺码偏小，平时穿M的这次要买L，建议大家买大一号",
    "发票一直没有开，联系了好几次客服都说在处理",
    "东西收到了，跟图片上一样，性价比很高，推荐购买",
    "用了两天就坏了，申请换货还要自己出运费，太坑了，质量和售后都不行",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=16)
    parser.add_argument("--labels", type=int, default=5)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = [REVIEWS[at % len(REVIEWS)] for at in range(args.texts)]
    labels = LABELS[: args.labels]
    with tempfile.TemporaryDirectory() as folder:
        model_dir = write_structbert_dir(Path(folder) / "zero-shot", labels=NLI_LABELS, task="zero-shot",
                                         hidden=768, layers=args.layers, heads=12)
        torch_path = ZeroShotClassifier(model_dir, "random base-shape")
        pipeline = torch_path.pipeline
        paths = {"service, batched, PyTorch": torch_path}
        for kind in ("fp32", "int8"):
            exported = export(model_dir, Path(folder) / kind, int8=kind == "int8")
            paths[f"service, batched, ONNX {kind.upper()}"] = ZeroShotClassifier(exported, "unused")
        pipeline(texts[0], candidate_labels=labels, hypothesis_template=DEFAULT_TEMPLATE)  # warm every path
        for path in paths.values():
            path.classify(texts[:2], labels, DEFAULT_TEMPLATE, False)
        seconds: dict[str, list[float]] = {"pipeline, one text at a time": [], **{name: [] for name in paths}}
        for _ in range(args.rounds):
            started = time.perf_counter()
            for text in texts:
                pipeline(text, candidate_labels=labels, hypothesis_template=DEFAULT_TEMPLATE)
            seconds["pipeline, one text at a time"].append((time.perf_counter() - started) / len(texts))
            for name, path in paths.items():
                started = time.perf_counter()
                path.classify(texts, labels, DEFAULT_TEMPLATE, False)
                seconds[name].append((time.perf_counter() - started) / len(texts))
    import torch

    print(f"{args.texts} reviews x {args.labels} labels, StructBERT-base shape with {args.layers} layers, "
          f"torch {torch.__version__} with {torch.get_num_threads()} threads; medians of {args.rounds} rounds\n")
    print("| path | ms per text | ms per (text, label) pair | against the pipeline |\n|---|---|---|---|")
    baseline = statistics.median(seconds["pipeline, one text at a time"])
    for name, values in seconds.items():
        per_text = statistics.median(values)
        print(f"| {name} | {per_text * 1000:.0f} | {per_text * 1000 / args.labels:.0f} | {baseline / per_text:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
