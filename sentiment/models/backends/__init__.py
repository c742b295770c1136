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


# The project's own models, served when SENTIMENT_MODEL names one (or, for ``bundled``, when auto finds
# no StructBERT weights): each name is a family and the head it reads. ``bundled*`` is the most accurate
# (the fine-tuned transformer), ``bundled-fast*`` the BiGRU for bulk throughput, ``bundled-lite`` the
# n-gram model; benchmarks/model_card.py measured the choice (MODEL_CARD.md).
BUNDLED_MODELS = {
    "bundled": ("transformer", "polarity"),
    "bundled-3way": ("transformer", "three_way"),
    "bundled-emotion": ("transformer", "emotion"),
    "bundled-fast": ("bigru", "polarity"),
    "bundled-fast-3way": ("bigru", "three_way"),
    "bundled-fast-emotion": ("bigru", "emotion"),
    "bundled-lite": ("lite", "polarity"),
}
# Where each family's files are: the setting that names them.
FAMILY_SETTINGS = {"transformer": "SENTIMENT_TRANSFORMER_DIR", "bigru": "SENTIMENT_BUNDLED_DIR",
                   "lite": "SENTIMENT_LITE_MODEL"}


class BackendUnavailable(RuntimeError):
    """The configured model cannot be served; the message tells the user what to do."""


@dataclass(frozen=True)
class Choice:
    kind: str  # "onnx", "modelscope" or "bundled"
    location: Path
    reason: str
    bundled: str = "bundled"  # which of BUNDLED_MODELS, when kind is "bundled"


def _bundled(config: Mapping[str, Any], name: str, reason: str) -> Choice:
    family, _head = BUNDLED_MODELS[name]
    return Choice("bundled", Path(config[FAMILY_SETTINGS[family]]), reason, name)


def choose(config: Mapping[str, Any]) -> Choice:
    requested = config["SENTIMENT_BACKEND"]
    model = config["SENTIMENT_MODEL"]
    if model in BUNDLED_MODELS:
        if requested in ("modelscope", "onnx"):
            raise BackendUnavailable(f"SENTIMENT_BACKEND={requested} cannot serve the bundled model {model}; "
                                     "use SENTIMENT_BACKEND=auto or bundled")
        return _bundled(config, model, f"SENTIMENT_MODEL={model}")
    if requested == "bundled":
        return _bundled(config, "bundled", "SENTIMENT_BACKEND=bundled")
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
    return _bundled(config, "bundled", f"SENTIMENT_BACKEND=auto and {missing}")


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
        family, head = BUNDLED_MODELS[choice.bundled]
        if family == "lite":
            from sentiment.models.backends.lite import LiteBackend

            return LiteBackend(choice.location), choice
        if family == "transformer":
            from sentiment.models.backends.transformer import TransformerBackend

            return TransformerBackend(choice.location, choice.bundled, head, config["SENTIMENT_TORCH_THREADS"]), choice
        from sentiment.models.backends.bundled import BundledBackend

        return BundledBackend(choice.location, choice.bundled, config["SENTIMENT_TORCH_THREADS"], head), choice
    except Exception as error:  # model libraries raise any type for a bad directory
        what = choice.bundled if choice.kind == "bundled" else choice.kind
        raise BackendUnavailable(f"cannot load the {what} model from {choice.location}: {error}") from error
