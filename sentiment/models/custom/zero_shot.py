"""Zero-shot classification into labels typed at request time, through ModelScope's StructBERT NLI models.

``modelscope.pipelines.pipeline(Tasks.zero_shot_classification, ...)`` loads the model, its
tokenizer and its settings as ModelScope does for the published
``damo/nlp_structbert_zero-shot-classification_chinese-*`` models. Its own ``__call__`` takes one
text at a time and runs one (text, "这条评论说的是{label}。") pair per label, padded to the
longest pair of that text. ``classify`` builds the same pairs for many texts at once, tokenises
them with the pipeline's own tokenizer and arguments, runs them in length-sorted batches
through the pipeline's ``forward``, and scores each text with the pipeline's own rule
(entailment logit id 0, contradiction id 2, both hard-coded in modelscope 1.9.5):
single-label, a softmax of the entailment logits across the labels; multi-label, per label a
softmax of (contradiction, entailment). ``tests/test_zero_shot.py`` checks the answers equal
``pipeline(text, candidate_labels=...)`` to 1e-5.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from sentiment.models.custom.answer import ranked

ENTAILMENT, CONTRADICTION = 0, 2  # ZeroShotClassificationPipeline.__init__ in modelscope 1.9.5
TASK = "zero-shot-classification"


class NotZeroShot(ValueError):
    """The directory holds a model, but not one that ModelScope serves for zero-shot classification."""


def check_zero_shot_dir(model_dir: Path) -> None:
    task = json.loads((Path(model_dir) / "configuration.json").read_text(encoding="utf-8")).get("task")
    if task != TASK:
        raise NotZeroShot(f"{model_dir} is a {task!r} model, not a {TASK} model")


def scores_of(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """One text's (labels, 3) NLI logits to one score per label, as the pipeline's ``postprocess``."""
    from scipy.special import softmax

    if multi_label or len(logits) == 1:
        return softmax(logits[:, [CONTRADICTION, ENTAILMENT]], axis=-1)[:, 1]
    return softmax(logits[:, ENTAILMENT], axis=-1)


class ZeroShotClassifier:
    def __init__(self, model_dir: Path, name: str, threads: int | None = None, batch_size: int = 32):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from modelscope.pipelines import pipeline
        from modelscope.utils.constant import Tasks

        check_zero_shot_dir(model_dir)
        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.pipeline = pipeline(Tasks.zero_shot_classification, model=str(model_dir), device="cpu")  # pragma: no mutate: no GPU to tell
        self._tokenizer = self.pipeline.preprocessor.nlp_tokenizer
        self.name = name
        self.batch_size = batch_size
        self._lock = threading.Lock()  # a fast tokenizer is not safe to share between threads

    def _logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """(pairs, 3) logits, the pairs run in length-sorted batches padded to their own longest."""
        order = sorted(range(len(pairs)), key=lambda at: len(pairs[at][0]) + len(pairs[at][1]))
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        with self._lock, self._torch.no_grad():
            for start in range(0, len(order), self.batch_size):
                rows = order[start:start + self.batch_size]
                # The preprocessor's own arguments (zero_shot_classification_preprocessor.py), for the same tokens.
                encoded = self._tokenizer([pairs[at][0] for at in rows], [pairs[at][1] for at in rows],
                                          padding=True, truncation=True, truncation_strategy="only_first",
                                          return_tensors="pt")
                out[rows] = self.pipeline.forward(dict(encoded))["logits"].float().numpy()
        return out

    def classify(self, texts: Sequence[str], labels: Sequence[str], template: str,
                 multi_label: bool) -> list[dict]:
        """One answer per text: its labels best first, a score for each, the top label and the model."""
        hypotheses = [template.format(label) for label in labels]
        logits = self._logits([(text, hypothesis) for text in texts for hypothesis in hypotheses])
        return [ranked(text, dict(zip(labels, scores_of(logits[at * len(labels):(at + 1) * len(labels)], multi_label))),
                       self.name, multi_label) for at, text in enumerate(texts)]
