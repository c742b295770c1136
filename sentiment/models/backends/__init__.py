"""Which model serves, and loading it: the one place that knows every backend.

``choose`` decides from the settings and what is on disk, without touching the
network or importing heavy libraries; ``load_backend`` then builds that backend.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from sentiment.models.backends.modelscope_pipeline import local_model_dir
from sentiment.models.backends.onnx_runtime import is_onnx_dir
from sentiment.models.prediction import Backend


class BackendUnavailable(RuntimeError):
    """The configured model cannot be served; the message tells the user what to do."""


@dataclass(frozen=True)
class Choice:
    kind: str  # "onnx", "modelscope" or "embedded"
    location: Path
    reason: str


def choose(config: Mapping[str, Any]) -> Choice:
    requested = config["SENTIMENT_BACKEND"]
    model = config["SENTIMENT_MODEL"]
    embedded = Path(config["SENTIMENT_EMBEDDED_MODEL"])
    if requested == "embedded":
        return Choice("embedded", embedded, "SENTIMENT_BACKEND=embedded")
    if requested in ("auto", "onnx") and is_onnx_dir(model):
        return Choice("onnx", Path(model).expanduser(), f"{model} is an exported ONNX model directory")
    if requested == "onnx":
        raise BackendUnavailable(
            f"SENTIMENT_BACKEND=onnx but {model!r} is not a directory written by "
            "`python -m sentiment export --model <StructBERT> --out DIR`"
        )
    weights = local_model_dir(model)
    if weights is not None:
        return Choice("modelscope", weights, f"weights for {model} found at {weights}")
    missing = (
        f"no weights for {model!r} on disk (not a model directory, not in the ModelScope cache); "
        f"fetch them with `python -m sentiment download {model}`"
    )
    if requested == "modelscope":
        raise BackendUnavailable(f"SENTIMENT_BACKEND=modelscope but {missing}")
    return Choice("embedded", embedded, f"SENTIMENT_BACKEND=auto and {missing}")


def load_backend(config: Mapping[str, Any]) -> tuple[Backend, Choice]:
    """Build the chosen backend; every failure becomes ``BackendUnavailable`` with a readable message."""
    choice = choose(config)
    try:
        if choice.kind == "onnx":
            from sentiment.models.backends.onnx_runtime import OnnxBackend

            return OnnxBackend(choice.location, config["SENTIMENT_TORCH_THREADS"]), choice
        if choice.kind == "modelscope":
            from sentiment.models.backends.modelscope_pipeline import ModelScopeBackend, display_name

            name = display_name(config["SENTIMENT_MODEL"], choice.location)
            return ModelScopeBackend(choice.location, name, config["SENTIMENT_TORCH_THREADS"]), choice
        from sentiment.models.backends.embedded import EmbeddedBackend

        return EmbeddedBackend(choice.location), choice
    except Exception as error:  # model libraries raise any type for a bad directory
        raise BackendUnavailable(f"cannot load the {choice.kind} model from {choice.location}: {error}") from error
