"""Zero-shot classification into labels typed at request time, through ModelScope's StructBERT NLI models.

``modelscope.pipelines.pipeline(Tasks.zero_shot_classification, ...)`` loads the model, its
tokenizer and its settings as ModelScope does for the published
``damo/nlp_structbert_zero-shot-classification_chinese-*`` models. Its own ``__call__`` takes one
text at a time and runs one (text, "这条评论说的是{label}。") pair per label, padded to the
longest pair of that text. ``classify`` builds the same pairs for many texts at once, tokenises
them as the pipeline does, runs them in length-sorted batches padded to their own longest, and
scores each text with the pipeline's own rule (entailment logit id 0, contradiction id 2, both
hard-coded in modelscope 1.9.5): single-label, a softmax of the entailment logits across the
labels; multi-label, per label a softmax of (contradiction, entailment).
``tests/test_zero_shot.py`` checks the answers equal ``pipeline(text, candidate_labels=...)`` to 1e-5.

The same pairs can run through ONNX Runtime instead, from a directory that
``python -m sentiment export`` wrote from a zero-shot model (FP32 or INT8).
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.backends.onnx_runtime import META_FILE, MODEL_FILE, cpu_session, is_onnx_dir
from sentiment.models.custom.answer import ranked
from sentiment.models.custom.label_set import DEFAULT_TEMPLATE
from sentiment.models.deadline import check

ENTAILMENT, CONTRADICTION = 0, 2  # ZeroShotClassificationPipeline.__init__ in modelscope 1.9.5
TASK = "zero-shot-classification"


class NotZeroShot(ValueError):
    """The directory holds a model, but not one that ModelScope serves for zero-shot classification."""


def task_of(model_dir: Path) -> str | None:
    """The task a ModelScope directory (configuration.json) or an exported ONNX directory declares."""
    for name, key in (("configuration.json", "task"), (META_FILE, "task")):
        path = Path(model_dir) / name
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8")).get(key)
    return None


def scores_of(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """One text's (labels, 3) NLI logits to one score per label, as the pipeline's ``postprocess``."""
    from scipy.special import softmax

    if multi_label or len(logits) == 1:
        return softmax(logits[:, [CONTRADICTION, ENTAILMENT]], axis=-1)[:, 1]
    return softmax(logits[:, ENTAILMENT], axis=-1)


class TorchNli:
    """The pipeline's own model and tokenizer (PyTorch)."""

    def __init__(self, model_dir: Path, name: str, threads: int | None):
        import torch
        from modelscope.pipelines import pipeline
        from modelscope.utils.constant import Tasks

        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.pipeline = pipeline(Tasks.zero_shot_classification, model=str(model_dir), device="cpu")  # pragma: no mutate: no GPU to tell
        self.model = self.pipeline.model.eval()
        self.tokenizer = self.pipeline.preprocessor.nlp_tokenizer.tokenizer
        self.max_tokens = self.pipeline.preprocessor.nlp_tokenizer.tokenize_kwargs["max_length"]
        id2label = {int(i): label for i, label in self.model.config.id2label.items()}
        self.labels = tuple(id2label[i] for i in sorted(id2label))
        self.name = name

    def logits(self, encoded: dict) -> np.ndarray:
        with self._torch.no_grad():
            return self.pipeline.forward({k: self._torch.from_numpy(v) for k, v in encoded.items()})["logits"].float().numpy()


class OnnxNli:
    """A zero-shot model exported by ``python -m sentiment export``, run by ONNX Runtime."""

    def __init__(self, model_dir: Path, threads: int | None):
        from transformers import AutoTokenizer

        meta = json.loads((Path(model_dir) / META_FILE).read_text(encoding="utf-8"))
        self.name, self.max_tokens = meta["name"], meta["max_tokens"]
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        self.session = cpu_session(Path(model_dir) / MODEL_FILE, threads)
        self._inputs = [i.name for i in self.session.get_inputs()]

    def logits(self, encoded: dict) -> np.ndarray:
        return self.session.run(None, {name: encoded[name] for name in self._inputs})[0]


class ZeroShotClassifier:
    def __init__(self, model_dir: Path, name: str, threads: int | None = None, batch_size: int = 32):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if is_onnx_dir(model_dir, TASK):
            self.engine: TorchNli | OnnxNli = OnnxNli(model_dir, threads)
            self.name = self.engine.name
        else:
            if task_of(model_dir) != TASK:
                raise NotZeroShot(f"{model_dir} is a {task_of(model_dir)!r} model, not a {TASK} model")
            self.engine = TorchNli(model_dir, name, threads)
            self.name = name
        self.batch_size = batch_size
        self._lock = threading.Lock()  # a fast tokenizer is not safe to share between threads

    @property
    def pipeline(self):
        """ModelScope's own pipeline (PyTorch directories only), the reference the answers are tested against."""
        return self.engine.pipeline

    def _logits(self, pairs: Sequence[tuple[str, str]], deadline: float | None = None) -> np.ndarray:
        """(pairs, 3) logits, the pairs run in length-sorted batches padded to their own longest."""
        order = sorted(range(len(pairs)), key=lambda at: len(pairs[at][0]) + len(pairs[at][1]))
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            check(deadline)
            rows = order[start:start + self.batch_size]
            with self._lock:
                # As the pipeline's preprocessor: its truncation=True (with a truncation_strategy that
                # transformers 4.35 ignores next to it) cuts the longest of the pair first, at 512 tokens.
                encoded = self.engine.tokenizer([pairs[at][0] for at in rows], [pairs[at][1] for at in rows],
                                                padding=True, truncation=True, max_length=self.engine.max_tokens,
                                                return_tensors="np")
            out[rows] = self.engine.logits({k: v.astype(np.int64) for k, v in encoded.items()})
        return out

    def classify(self, texts: Sequence[str], labels: Sequence[str], template: str | None,
                 multi_label: bool, deadline: float | None = None) -> list[dict]:
        """One answer per text: its labels best first, a score for each, the top label and the model."""
        hypotheses = [(template or DEFAULT_TEMPLATE).format(label) for label in labels]
        logits = self._logits([(text, hypothesis) for text in texts for hypothesis in hypotheses], deadline)
        return [ranked(text, dict(zip(labels, scores_of(logits[at * len(labels):(at + 1) * len(labels)], multi_label))),
                       self.name, multi_label) for at, text in enumerate(texts)]
