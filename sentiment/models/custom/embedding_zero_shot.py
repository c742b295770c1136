"""Typed labels with nothing to download: the untuned multilingual-e5-small matches texts with labels.

e5 was trained to put a query near the passages that answer it, so ``query: <text>`` is compared
by cosine with each label written into a sentence (``query: 这条评论说的是<label>。`` as shipped). The
template, the prefixes and two scales are fitted on the training splits of shared/'s
topic-labelled sources (``sentiment.training.e5_zero_shot``) and read from ``meta.json``:
single-label, a softmax over the labels of ``scale × cosine``; multi-label, each label on its
own, a logistic of ``scale × (cosine − bias)``, so each score is that label's own probability.

Served from ``models/e5-zero-shot`` when no zero-shot model of ModelScope is on disk; the same
``classify`` as the NLI models, so API, page, files and jobs do not know which one answers.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from sentiment.models.backends.onnx_runtime import cpu_session
from sentiment.models.custom.answer import ranked
from sentiment.models.deadline import check
from sentiment.models.e5_tokenizer import E5Tokenizer

TASK = "embedding-zero-shot"
META_FILE = "meta.json"
MODEL_FILE = "model.onnx"
LABEL_CACHE = 2048  # label sentences kept embedded: a page's labels are sent again with every text
CACHED_CHARS = 200  # a longer label sentence (a long template) is embedded each time, never kept


def is_embedding_dir(path: str | Path) -> bool:
    path = Path(path)
    if not (path / META_FILE).is_file() or not (path / MODEL_FILE).is_file():
        return False
    return json.loads((path / META_FILE).read_text(encoding="utf-8")).get("task") == TASK


def probabilities(cosines: np.ndarray, multi_label: bool, scales: Mapping[str, float]) -> np.ndarray:
    """[texts, labels] cosines to probabilities with the fitted scales (see the module's docstring)."""
    if multi_label:
        return 1.0 / (1.0 + np.exp(-scales["multi_scale"] * (cosines - scales["multi_bias"])))
    scaled = scales["single_scale"] * cosines
    scaled = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    return scaled / scaled.sum(axis=1, keepdims=True)


class EmbeddingZeroShot:
    def __init__(self, folder: Path, threads: int | None = None, batch_size: int = 32):
        """``batch_size``: texts between two checks of the request's deadline."""
        folder = Path(folder)
        self.meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        self.name = self.meta["name"]
        self.template = self.meta["template"]
        self.max_tokens = int(self.meta["max_tokens"])
        self.batch_size = batch_size
        self._tokenizer = E5Tokenizer.load(folder)
        self._session = cpu_session(folder / MODEL_FILE, threads)
        self._labels: OrderedDict[str, np.ndarray] = OrderedDict()
        self._labels_lock = threading.Lock()  # Gunicorn's threads share the cache

    def embed(self, texts: Sequence[str], deadline: float | None = None) -> np.ndarray:
        """L2-normalised vectors [texts, 384], prefixes included by the caller. Each text runs alone, as
        the transformer's do (``backends.transformer``): INT8 quantises a call's activations per batch,
        so alone a text's vector never depends on what else was asked."""
        out = np.zeros((len(texts), int(self.meta["hidden"])), dtype=np.float32)
        for at, text in enumerate(texts):
            if at % self.batch_size == 0:
                check(deadline)
            ids, mask = self._tokenizer.encode_batch([text], self.max_tokens)
            (out[at:at + 1],) = self._session.run(None, {"ids": ids, "mask": mask})
        return out

    def _label_vectors(self, sentences: list[str]) -> np.ndarray:
        with self._labels_lock:
            missing = [sentence for sentence in dict.fromkeys(sentences) if sentence not in self._labels]
            found = dict(zip(missing, self.embed(missing))) if missing else {}
            for sentence, vector in found.items():
                if len(sentence) <= CACHED_CHARS:  # the cache's memory is bounded by count and size
                    self._labels[sentence] = vector
            for sentence in sentences:
                if sentence in self._labels:
                    self._labels.move_to_end(sentence)
            matrix = np.stack([found[sentence] if sentence in found else self._labels[sentence]
                               for sentence in sentences])
            while len(self._labels) > LABEL_CACHE:
                self._labels.popitem(last=False)
        return matrix

    def similarities(self, texts: Sequence[str], labels: Sequence[str], template: str | None = None,
                     deadline: float | None = None) -> np.ndarray:
        """Cosine of each text with each label's sentence: [texts, labels], a text at a time so that its row
        is the same product whatever else was asked (a matrix product rounds by its shape)."""
        sentences = [self.meta["label_prefix"] + (template or self.template).format(label) for label in labels]
        vectors = self.embed([self.meta["text_prefix"] + text for text in texts], deadline)
        label_vectors = self._label_vectors(sentences)
        return np.stack([label_vectors @ vector for vector in vectors]) if len(vectors) else np.zeros((0, len(labels)))

    def classify(self, texts: Sequence[str], labels: Sequence[str], template: str | None,
                 multi_label: bool, deadline: float | None = None) -> list[dict]:
        """One answer per text: its labels best first, a score for each, the top label and the model."""
        if not texts:
            return []
        scores = probabilities(self.similarities(texts, labels, template, deadline), multi_label, self.meta)
        return [ranked(text, dict(zip(labels, map(float, row))), self.name, multi_label)
                for text, row in zip(texts, scores)]
