"""The process's zero-shot model: loaded once per worker at start, never downloaded.

A StructBERT NLI model (or its ONNX export) scores every label; a text2text model (mT5's zero-shot
classifier) writes one, which ``generative`` maps back to a label. When neither is on disk, the
bundled e5 encoder (``embedding_zero_shot``) answers, so typed labels work on a fresh machine;
only when that folder is missing too is a zero-shot request told how to get a model. Like ``model_slot`` this
knows nothing of HTTP; ``web`` answers ``ZeroShotUnavailable`` with a 409.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

from sentiment.models.backends.modelscope_pipeline import display_name, local_model_dir
from sentiment.models.backends.onnx_runtime import is_onnx_dir
from sentiment.models.custom import generative
from sentiment.models.custom.embedding_zero_shot import EmbeddingZeroShot, is_embedding_dir
from sentiment.models.custom.zero_shot import TASK, ZeroShotClassifier, task_of

log = logging.getLogger("sentiment")


class ZeroShotUnavailable(RuntimeError):
    """No zero-shot model serves; the message (Chinese) says how to get one, ``how`` the command."""

    def __init__(self, message: str, how: str):
        super().__init__(message)
        self.how = how


class ZeroShotSlot:
    def __init__(self) -> None:
        self.classifier: ZeroShotClassifier | generative.GenerativeClassifier | EmbeddingZeroShot | None = None
        self.problem: ZeroShotUnavailable | None = None
        self.location: Path | None = None

    def load(self, config: Mapping[str, Any]) -> None:
        """Load the model if it is on disk, else remember why not; never raises."""
        model = config["SENTIMENT_ZERO_SHOT_MODEL"]
        how = f"python -m sentiment download {model}"
        exported = Path(model).expanduser()
        self.location = exported if is_onnx_dir(exported, TASK) or is_embedding_dir(exported) else local_model_dir(model)
        bundled = Path(config["SENTIMENT_E5_ZERO_SHOT_DIR"])
        if self.location is None and is_embedding_dir(bundled):
            self.location = bundled
            log.info("zero-shot: no model on disk for %s; the bundled e5 encoder answers typed labels", model)
        if self.location is None:
            self.problem = ZeroShotUnavailable(
                f"没有零样本分类模型（{model} 不在本机）。有网络时运行 `{how}` 下载，"
                "或把 SENTIMENT_ZERO_SHOT_MODEL 设为模型目录后重启服务；不下载也可以用示例教一个分类器。", how)
            log.info("zero-shot: no model on disk for %s (taught classifiers still work)", model)
            return
        try:
            threads = config["SENTIMENT_TORCH_THREADS"]
            if is_embedding_dir(self.location):
                self.classifier = EmbeddingZeroShot(self.location, threads)
            else:
                kind = generative.GenerativeClassifier if task_of(self.location) == generative.TASK else ZeroShotClassifier
                self.classifier = kind(self.location, display_name(model, self.location), threads)
        except Exception as error:  # ModelScope raises any type for a directory it cannot load
            self.problem = ZeroShotUnavailable(f"零样本分类模型 {self.location} 无法加载：{error}", how)
            log.error("zero-shot: cannot load %s: %s", self.location, error)
            return
        log.info("zero-shot: %s from %s", self.classifier.name, self.location)

    def get(self) -> ZeroShotClassifier | generative.GenerativeClassifier | EmbeddingZeroShot:
        if self.classifier is None:
            raise self.problem or ZeroShotUnavailable("零样本分类模型还没有加载。", "")
        return self.classifier

    def status(self) -> dict:
        if self.classifier is None:
            problem = self.problem
            return {"available": False, "error": str(problem) if problem else None, "how": problem.how if problem else None}
        return {"available": True, "model": self.classifier.name}
