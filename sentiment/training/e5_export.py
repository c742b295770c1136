"""The fine-tuned transformer to a served folder: ONNX (FP32, then INT8 where it keeps accuracy),
the pruned tokenizer and ``meta.json``.

INT8 is ONNX Runtime's dynamic quantisation of the weights (MatMul and the embedding Gather):
a quarter of the size, and on CPUs with VNNI faster. It is kept only when its dev accuracy,
averaged over the heads, is within ``INT8_TOLERANCE`` of FP32's; both figures go in meta.json.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from sentiment.models.backends.transformer import MODEL_FILE, TransformerBackend
from sentiment.training.multitask import accuracies, log

INT8_TOLERANCE = 0.003  # mean dev accuracy INT8 may lose against FP32


def onnx_of(module, path: Path, outputs: list[str]) -> None:
    """Any e5 graph (classifier or embedder) as ONNX: inputs ``ids`` and ``mask``, batch and length dynamic."""
    import torch

    ids = torch.tensor([[0, 100, 200, 2], [0, 300, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    torch.onnx.export(module.eval(), (ids, mask), str(path), input_names=["ids", "mask"], output_names=outputs,
                      opset_version=17, dynamo=False,
                      dynamic_axes={"ids": {0: "batch", 1: "length"}, "mask": {0: "batch", 1: "length"},
                                    **{name: {0: "batch"} for name in outputs}})


def _onnx(model, temperatures: dict[str, float], path: Path) -> None:
    from sentiment.training.encoder import Calibrated

    wrapper = Calibrated(model, temperatures)
    onnx_of(wrapper, path, wrapper.names)


def _dev_accuracy(folder: Path, texts: list[str], targets: dict[str, np.ndarray]) -> dict[str, float]:
    backend = TransformerBackend(folder, "dev")
    heads = list(targets)
    out = {task: [] for task in heads}
    for start in range(0, len(texts), 64):
        for task, value in zip(heads, backend.logits(texts[start:start + 64], heads)):
            out[task].append(value)
    return accuracies({task: np.concatenate(value) for task, value in out.items()}, targets)


def export(model, tokenizer, temperatures: dict[str, float], meta: dict, out: Path, dev_texts: list[str],
           dev_targets: dict[str, np.ndarray]) -> dict:
    """Write ``out``; answer ``meta`` with what was kept under ``onnx`` (``kept``: int8 or fp32, and both
    dev accuracies)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save(out)
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        _onnx(model, temperatures, fp32)
        fp32.replace(out / MODEL_FILE)
        scores = {"fp32": _dev_accuracy(out, dev_texts, dev_targets)}
        quantize_dynamic(str(out / MODEL_FILE), str(fp32), weight_type=QuantType.QInt8)
        (out / MODEL_FILE).replace(Path(scratch) / "kept-fp32.onnx")
        fp32.replace(out / MODEL_FILE)
        scores["int8"] = _dev_accuracy(out, dev_texts, dev_targets)
        mean = {kind: sum(value.values()) / len(value) for kind, value in scores.items()}
        kept = "int8" if mean["int8"] >= mean["fp32"] - INT8_TOLERANCE else "fp32"
        if kept == "fp32":
            (Path(scratch) / "kept-fp32.onnx").replace(out / MODEL_FILE)
    log(f"dev accuracy FP32 {scores['fp32']}, INT8 {scores['int8']}: kept {kept}")
    meta = {**meta, "onnx": {"kept": kept, "dev_accuracy": scores}}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return meta
