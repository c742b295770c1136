"""``python -m sentiment export``: StructBERT (or any BERT-style classifier) to ONNX, optionally INT8.

A zero-shot model (configuration.json's task ``zero-shot-classification``) exports the same way:
its NLI logits, with ``"task"`` in the metadata so that only the zero-shot path serves it.

Steps, each the library's own: ``torch.onnx.export`` with dynamic batch and sequence axes;
ONNX Runtime's transformer optimiser (fused attention, embedding and skip layer norms);
with ``--int8``, ONNX Runtime's dynamic quantisation of the weights. The output directory
also holds the tokenizer and ``sentiment_onnx.json`` (labels, window), so it serves alone.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sentiment.models.backends.modelscope_pipeline import ModelScopeBackend
from sentiment.models.backends.onnx_runtime import META_FILE, MODEL_FILE, SENTIMENT_TASK
from sentiment.models.custom.zero_shot import TASK as ZERO_SHOT_TASK, ZeroShotClassifier, task_of

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _logits_module(model):
    import torch

    class Logits(torch.nn.Module):
        """The classifier with positional inputs and a plain logits output, as the exporter needs."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)["logits"]

    # eval() before export: the exporter restores the wrapper's mode afterwards, and a new
    # module starts in training mode, which would leave dropout on in the source model.
    return Logits().eval()


def export(model_dir: Path, out: Path, int8: bool = False, name: str | None = None, opset: int = 17) -> Path:
    """Write ``out`` as a self-contained ONNX model directory and return it."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    task = ZERO_SHOT_TASK if task_of(model_dir) == ZERO_SHOT_TASK else SENTIMENT_TASK
    if task == ZERO_SHOT_TASK:
        zero_shot = ZeroShotClassifier(Path(model_dir), name or Path(model_dir).name)
        source = zero_shot.engine
    else:
        source = ModelScopeBackend(Path(model_dir), name or Path(model_dir).name)
    config = source.model.config
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sample = source.tokenizer(["这家店很好", "差"], padding=True, return_tensors="pt")
    with tempfile.TemporaryDirectory() as scratch:
        raw, fused = Path(scratch) / "raw.onnx", Path(scratch) / "fused.onnx"
        torch.onnx.export(
            _logits_module(source.model),
            tuple(sample[k] for k in INPUTS),
            str(raw),
            input_names=list(INPUTS),
            output_names=["logits"],
            dynamic_axes={**{k: {0: "batch", 1: "sequence"} for k in INPUTS}, "logits": {0: "batch"}},
            opset_version=opset,
            dynamo=False,
        )
        optimized = optimize_model(
            str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
        fusions = {op: n for op, n in optimized.get_fused_operator_statistics().items() if n}
        optimized.save_model_to_file(str(fused))
        if int8:
            # The fused contrib ops defeat shape inference; their outputs are float.
            quantize_dynamic(str(fused), str(out / MODEL_FILE), weight_type=QuantType.QInt8,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        else:
            fused.replace(out / MODEL_FILE)
    source.tokenizer.save_pretrained(str(out))
    meta = {
        "name": f"{source.name}-onnx-{'int8' if int8 else 'fp32'}",
        "labels": list(source.labels),
        "max_tokens": source.max_tokens,
        "source": str(model_dir),
        "task": task,
        "int8": int8,
        "opset": opset,
        "fused_operators": fusions,
    }
    (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return out
