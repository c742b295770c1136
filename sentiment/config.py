"""All settings in one place: names, defaults and how each is read from the environment.

Flask config keys are the environment variables' own names, so ``SENTIMENT_MAX_CHARS=8000``
in the shell and ``create_app({"SENTIMENT_MAX_CHARS": 8000})`` in a test mean the same thing.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

DEFAULT_MODEL_ID = "damo/nlp_structbert_sentiment-classification_chinese-base"
BACKENDS = ("auto", "modelscope", "onnx", "embedded")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names it."""


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _origins(value: str) -> list[str] | str:
    origins = [origin.strip() for origin in value.split(",") if origin.strip()]
    return "*" if origins in ([], ["*"]) else origins


# name: (default, parser of the environment string)
SETTINGS: dict[str, tuple[Any, Callable[[str], Any]]] = {
    "SENTIMENT_BACKEND": ("auto", str.lower),
    "SENTIMENT_MODEL": (DEFAULT_MODEL_ID, str),
    "SENTIMENT_EMBEDDED_MODEL": (str(PROJECT_ROOT / "models" / "embedded.npz"), str),
    "SENTIMENT_MAX_CHARS": (5000, int),  # longest text accepted
    "SENTIMENT_MAX_TEXTS": (64, int),  # most texts in one batch request
    "SENTIMENT_BATCH_SIZE": (16, int),  # texts per model call inside a request
    "SENTIMENT_WINDOW_OVERLAP": (64, int),  # characters shared by neighbouring windows of a long text
    # Merge concurrent requests arriving within this many ms into one model call; None: 5 ms for
    # the PyTorch (modelscope) backend, where it measured 2.7x, off for the others (about 1.07x).
    "SENTIMENT_COALESCE_MS": (None, float),
    "SENTIMENT_TORCH_THREADS": (None, _optional_int),  # None: leave torch's default
    "SENTIMENT_LOAD_IN_BACKGROUND": (False, _flag),  # serve /health (and 503s) while the model loads
    "SENTIMENT_CORS_ORIGINS": ("*", _origins),
    "MAX_CONTENT_LENGTH": (4 * 1024 * 1024, int),  # request body limit in bytes (Flask's own key)
}


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting, from the environment where it is set and non-empty, else its default."""
    environ = os.environ if environ is None else environ
    config = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name, "")
        try:
            config[name] = parse(raw) if raw.strip() else default
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a valid value") from None
    if config["SENTIMENT_BACKEND"] not in BACKENDS:
        raise ConfigError(f"SENTIMENT_BACKEND must be one of {', '.join(BACKENDS)}, not {config['SENTIMENT_BACKEND']!r}")
    return config
