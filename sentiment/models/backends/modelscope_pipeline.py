"""StructBERT (or any ModelScope text-classification model) through ``modelscope.pipelines.pipeline``.

The pipeline loads the model, its tokenizer and its label names exactly as ModelScope
does for the published model. Its own ``__call__`` pads every text to 512 tokens and
cannot collate a batch of mixed lengths, so ``predict`` runs the pipeline's tokenizer
on the whole batch (padding to the longest text only) and the pipeline's ``forward``
once; ``tests/test_modelscope_backend.py`` checks the scores equal ``pipeline(text)``.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

from sentiment.models.prediction import Prediction, from_logits

WEIGHT_FILES = ("pytorch_model.bin", "model.safetensors")


def cache_dir(model_id: str) -> Path:
    """Where ModelScope 1.9.5 keeps a downloaded model (its ``hub.utils.get_cache_dir``), computed
    without importing modelscope so that choosing a backend costs nothing."""
    root = os.environ.get("MODELSCOPE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "modelscope", "hub")
    return Path(root) / model_id


def local_model_dir(model: str) -> Path | None:
    """The directory holding ``model``'s weights, when they are on disk: the path itself, or its cache entry."""
    for candidate in (Path(model).expanduser(), cache_dir(model)):
        if (candidate / "configuration.json").is_file() and any((candidate / f).is_file() for f in WEIGHT_FILES):
            return candidate
    return None


def display_name(model: str, location: Path) -> str:
    """The ModelScope id when the model came from the cache, else the directory's name."""
    return location.name if Path(model).expanduser().exists() else model


class ModelScopeBackend:
    def __init__(self, model_dir: Path, name: str, threads: int | None = None):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from modelscope.pipelines import pipeline
        from modelscope.utils.constant import Tasks

        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        # On a machine with a GPU, ModelScope would otherwise take it, and this CPU service's tensors would not match.
        self._pipeline = pipeline(Tasks.text_classification, model=str(model_dir), device="cpu")  # pragma: no mutate: no GPU to tell
        self.model = self._pipeline.model.eval()
        id2label = {int(i): label for i, label in self._pipeline.id2label.items()}
        self.labels = tuple(id2label[i] for i in sorted(id2label))
        self.tokenizer = self._pipeline.preprocessor.nlp_tokenizer.tokenizer
        self.max_tokens = min(self.model.config.max_position_embeddings, 512)
        # Chinese BERT vocabularies give at most one token per character, so a window of
        # this many characters fits the model with [CLS] and [SEP].
        self.window = self.max_tokens - 2
        self.name = name
        # A fast tokenizer is not safe to share between threads ("Already borrowed"),
        # and torch already spreads one forward pass over the worker's threads.
        self._lock = threading.Lock()

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        with self._lock:
            encoded = self.tokenizer(
                list(texts), padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
            )
            with self._torch.no_grad():
                logits = self._pipeline.forward(dict(encoded))["logits"]
        return from_logits(logits.float().numpy(), self.labels)
