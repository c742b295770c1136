"""A directory written by ``python -m sentiment export``, served with ONNX Runtime on the CPU.

Same tokenizer, labels and window as the model it came from, so the service's long-text
windows and batching work unchanged.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.prediction import Prediction, from_logits

META_FILE = "sentiment_onnx.json"  # written by sentiment.models.onnx_export beside MODEL_FILE
MODEL_FILE = "model.onnx"
SENTIMENT_TASK = "text-classification"  # the metadata's "task"; zero-shot exports say "zero-shot-classification"


def onnx_task(path: str | Path) -> str:
    """What an exported directory classifies; exports older than the task field are sentiment models."""
    meta = json.loads((Path(path).expanduser() / META_FILE).read_text(encoding="utf-8"))
    return meta.get("task", SENTIMENT_TASK)


def is_onnx_dir(path: str | Path, task: str = SENTIMENT_TASK) -> bool:
    path = Path(path).expanduser()
    return (path / META_FILE).is_file() and (path / MODEL_FILE).is_file() and onnx_task(path) == task


def cpu_session(model_file: Path, threads: int | None):
    """An ONNX Runtime CPU session; with ``threads``, that many for one operator and one operator at a time."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(model_file),
        options,
        providers=["CPUExecutionProvider"],  # pragma: no mutate: the CPU provider is this build's only one
    )


class OnnxBackend:
    def __init__(self, model_dir: Path, threads: int | None = None):
        from transformers import AutoTokenizer

        model_dir = Path(model_dir)
        meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))  # pragma: no mutate: UTF-8 locale here
        self.name = meta["name"]
        self.labels = tuple(meta["labels"])
        self.max_tokens = meta["max_tokens"]
        self.window = self.max_tokens - 2
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.session = cpu_session(model_dir / MODEL_FILE, threads)
        self._inputs = [i.name for i in self.session.get_inputs()]
        self._lock = threading.Lock()  # the fast tokenizer is not safe to share between threads

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        with self._lock:
            encoded = self.tokenizer(
                list(texts), padding=True, truncation=True, max_length=self.max_tokens, return_tensors="np"
            )
        logits = self.session.run(None, {name: encoded[name].astype(np.int64) for name in self._inputs})[0]
        return from_logits(logits, self.labels)
