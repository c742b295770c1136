"""All settings in one place: names, defaults and how each is read from the environment.

Flask config keys are the environment variables' own names, so ``SENTIMENT_MAX_CHARS=8000``
in the shell and ``create_app({"SENTIMENT_MAX_CHARS": 8000})`` in a test mean the same thing.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

DEFAULT_MODEL_ID = "damo/nlp_structbert_sentiment-classification_chinese-base"
DEFAULT_ZERO_SHOT_ID = "damo/nlp_structbert_zero-shot-classification_chinese-base"
BACKENDS = ("auto", "modelscope", "onnx", "bundled")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting has a value the service cannot use; the message names it."""


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError("expected 1/0, true/false, yes/no or on/off")
    return word in ("1", "true", "yes", "on")


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _origins(value: str) -> list[str] | str:
    origins = [origin.strip() for origin in value.split(",") if origin.strip()]
    return "*" if origins == ["*"] else origins


def _keys(value: str) -> list[str]:
    return [key.strip() for key in value.split(",") if key.strip()]


def _key_list(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(key, str) and key.strip() for key in value):
        return "must be a list of non-empty keys (in the environment: comma-separated)"
    return None


def _whole(minimum: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            return f"must be a whole number of at least {minimum}"
        return None

    return check


def _optional(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    return lambda value: None if value is None else check(value)


def _milliseconds(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1000:
        return "must be a number of milliseconds from 0 to 1000"  # NaN fails the range test too
    return None


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _anything(value: Any) -> str | None:
    return None


# name: (default, parser of the environment string, check of the parsed value: None or what is wrong)
SETTINGS: dict[str, tuple[Any, Callable[[str], Any], Callable[[Any], str | None]]] = {
    "SENTIMENT_BACKEND": ("auto", lambda raw: raw.strip().lower(), _one_of(BACKENDS)),
    "SENTIMENT_MODEL": (DEFAULT_MODEL_ID, str.strip, _anything),
    "SENTIMENT_BUNDLED_DIR": (str(PROJECT_ROOT / "models" / "bundled"), str.strip, _anything),
    "SENTIMENT_LITE_MODEL": (str(PROJECT_ROOT / "models" / "lite.npz"), str.strip, _anything),
    # The fine-tuned transformer (multilingual-e5-small, three heads) and the untuned one that answers
    # typed labels when no zero-shot model of ModelScope is on disk.
    "SENTIMENT_TRANSFORMER_DIR": (str(PROJECT_ROOT / "models" / "transformer"), str.strip, _anything),
    "SENTIMENT_E5_ZERO_SHOT_DIR": (str(PROJECT_ROOT / "models" / "e5-zero-shot"), str.strip, _anything),
    # The bundled three-way model aspects' polarity is read with (models/aspects/polarity.py), and the
    # aspect set the page starts on.
    "SENTIMENT_ASPECT_MODEL": ("bundled-fast-3way", str.strip, _one_of(("bundled-fast-3way", "bundled-3way"))),
    "SENTIMENT_ASPECT_SET": ("restaurant", str.strip, _anything),
    "SENTIMENT_MAX_CHARS": (5000, int, _whole(1)),  # longest text accepted
    "SENTIMENT_MAX_TEXTS": (64, int, _whole(1)),  # most texts in one batch request
    "SENTIMENT_BATCH_SIZE": (16, int, _whole(1)),  # texts per model call inside a request
    # Characters shared by neighbouring windows of a long text; the service also refuses more
    # than half a model's window, which would multiply the windows read.
    "SENTIMENT_WINDOW_OVERLAP": (64, int, _whole(0)),
    # Merge concurrent requests arriving within this many ms into one model call; None: 5 ms for
    # the PyTorch (modelscope) backend, where it measured 2.7x, off for the others (about 1.07x).
    "SENTIMENT_COALESCE_MS": (None, float, _optional(_milliseconds)),
    "SENTIMENT_TORCH_THREADS": (None, _optional_int, _optional(_whole(1))),  # None: leave torch's default
    "SENTIMENT_LOAD_IN_BACKGROUND": (False, _flag, _boolean),  # serve /health (and 503s) while loading
    # Origins whose scripts may call /api/* from a browser: none but the page's own by default; "*" for
    # any (never with cookies, so the page's session is never lent to another site).
    "SENTIMENT_CORS_ORIGINS": ([], _origins, _anything),
    # API keys for /api/* (empty: open), and the secret that signs the page's session cookie (empty:
    # derived from the keys, so every worker agrees).
    "SENTIMENT_API_KEYS": ([], _keys, _key_list),
    "SENTIMENT_SECRET_KEY": ("", str.strip, _anything),
    # How long the page's session stands in for a key (its cookie's lifetime, and the oldest signature taken).
    "SENTIMENT_SESSION_HOURS": (12.0, float, lambda value: None if 0 < value <= 24 * 31 else "must be above 0 and at most 744"),
    # Addresses of the reverse proxies whose X-Forwarded-* headers are believed (empty: none).
    "SENTIMENT_TRUSTED_PROXIES": ([], _keys, _key_list),
    # The longest one request may keep a worker in the model, checked between batches (503 request_timeout).
    "SENTIMENT_REQUEST_SECONDS": (120.0, float, _optional(lambda value: None if value > 0 else "must be above 0")),
    # API requests in progress per worker before more get 429 at once (see web/back_pressure.py).
    "SENTIMENT_MAX_PENDING": (32, int, _whole(1)),
    # Put the submitted texts in the request log (off: only their count).
    "SENTIMENT_LOG_TEXTS": (False, _flag, _boolean),
    # Your own labels: the zero-shot model (ModelScope id or directory; used only when on disk) and
    # where taught classifiers are kept (shared by every worker, kept across restarts).
    "SENTIMENT_ZERO_SHOT_MODEL": (DEFAULT_ZERO_SHOT_ID, str.strip, _anything),
    "SENTIMENT_DATA_DIR": (str(PROJECT_ROOT / "instance"), str.strip, _anything),
    "SENTIMENT_MAX_LABELS": (20, int, _whole(2)),  # labels in one zero-shot request or taught classifier
    "SENTIMENT_MIN_EXAMPLES_PER_LABEL": (4, int, _whole(2)),  # cross-validation needs two folds
    "SENTIMENT_MAX_EXAMPLES": (20000, int, _whole(2)),  # examples in one teaching set
    "MAX_CONTENT_LENGTH": (4 * 1024 * 1024, int, _whole(1)),  # request body limit in bytes (Flask's own key)
    # Whole files tagged over HTTP (POST /api/sentiment/file, and the page's 批量分析 upload): the upload's
    # size, and rows per file (the answer comes back in the same request; the CLI has no limit).
    "SENTIMENT_MAX_FILE_BYTES": (20 * 1024 * 1024, int, _whole(1)),
    "SENTIMENT_MAX_FILE_ROWS": (50000, int, _whole(1)),
    # What reading one file may cost, whatever its size on the wire (sentiment/bulk/budget.py): columns in
    # any row, cells walked (rows x width, empty ones included; jobs have their own), and what a
    # workbook may inflate to: in all, and as a multiple of its compressed size. Reading also stops at
    # SENTIMENT_REQUEST_SECONDS.
    "SENTIMENT_MAX_FILE_COLUMNS": (200, int, _whole(1)),
    "SENTIMENT_MAX_FILE_CELLS": (1_000_000, int, _whole(1)),
    "SENTIMENT_MAX_EXPANDED_BYTES": (200 * 1024 * 1024, int, _whole(1)),
    "SENTIMENT_MAX_EXPANSION": (100, int, _whole(2)),
    # Jobs (POST /api/jobs): rows per chunk of work, the most rows and bytes one job takes, and how
    # long finished jobs and their files are kept.
    "SENTIMENT_JOB_CHUNK_ROWS": (1000, int, _whole(1)),
    "SENTIMENT_JOB_MAX_ROWS": (5_000_000, int, _whole(1)),
    "SENTIMENT_JOB_MAX_BYTES": (200 * 1024 * 1024, int, _whole(1)),
    "SENTIMENT_JOB_MAX_CELLS": (50_000_000, int, _whole(1)),
    # The page's 批量分析 sends files above this size to /api/jobs (progress from the server, the tagged
    # file to download) instead of tagging them from the browser in chunks with charts and a table.
    "SENTIMENT_PAGE_JOB_BYTES": (1024 * 1024, int, _whole(1)),
    # Scale-out: jobs go through Celery with this Redis as broker and result store (empty: embedded
    # engine); a chunk not back within the timeout is sent again (a broker restarted without its queue).
    "SENTIMENT_BROKER_URL": ("", str.strip, _anything),
    "SENTIMENT_JOB_CHUNK_TIMEOUT": (600.0, float, _optional(lambda value: None if value > 0 else "must be above 0")),
    "SENTIMENT_JOB_TTL_HOURS": (72.0, float, _optional(lambda value: None if value > 0 else "must be above 0")),
}


def validate(config: Mapping[str, Any]) -> None:
    """Refuse, at start, any setting the service cannot use, naming it and what it must be;
    run on the environment's values and again after a test's overrides."""
    for name, (_default, _parse, check) in SETTINGS.items():
        problem = check(config[name])
        if problem:
            raise ConfigError(f"{name}={config[name]!r} {problem}")


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting, from the environment where it is set and non-empty, else its default."""
    environ = os.environ if environ is None else environ
    config = {}
    for name, (default, parse, _check) in SETTINGS.items():
        raw = environ.get(name, "")
        try:
            config[name] = parse(raw) if raw.strip() else default
        except ValueError as error:
            raise ConfigError(f"{name}={raw!r} is not a valid value ({error})") from None
    validate(config)
    return config
