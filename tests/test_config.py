"""Every setting is checked at start, and a bad one is named with what it must be."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import create_app
from conftest import ROOT
from sentiment.config import ConfigError, from_env


def test_defaults():
    config = from_env({})
    assert config["SENTIMENT_BACKEND"] == "auto" and config["SENTIMENT_MAX_CHARS"] == 5000
    assert config["SENTIMENT_WINDOW_OVERLAP"] == 64 and config["SENTIMENT_COALESCE_MS"] is None
    assert config["SENTIMENT_LOAD_IN_BACKGROUND"] is False and config["SENTIMENT_CORS_ORIGINS"] == []


@pytest.mark.parametrize("name, raw, value", [
    ("SENTIMENT_BACKEND", " ONNX", "onnx"),
    ("SENTIMENT_WINDOW_OVERLAP", "0", 0),
    ("SENTIMENT_MAX_TEXTS", "1", 1),
    ("SENTIMENT_COALESCE_MS", "2.5", 2.5),
    ("SENTIMENT_COALESCE_MS", "0", 0.0),
    ("SENTIMENT_TORCH_THREADS", "2", 2),
    ("SENTIMENT_LOAD_IN_BACKGROUND", "on", True),
    ("SENTIMENT_LOAD_IN_BACKGROUND", "0", False),
    ("SENTIMENT_CORS_ORIGINS", "https://a.example, https://b.example", ["https://a.example", "https://b.example"]),
    ("SENTIMENT_CORS_ORIGINS", "*", "*"),
    ("SENTIMENT_API_KEYS", " k1, k2 ,", ["k1", "k2"]),
    ("MAX_CONTENT_LENGTH", "1024", 1024),
])
def test_good_values_are_read(name, raw, value):
    assert from_env({name: raw})[name] == value


@pytest.mark.parametrize("name, raw, message", [
    ("SENTIMENT_BACKEND", "gpu", "SENTIMENT_BACKEND='gpu' must be one of auto, modelscope, onnx, bundled"),
    ("SENTIMENT_MAX_CHARS", "0", "SENTIMENT_MAX_CHARS=0 must be a whole number of at least 1"),
    ("SENTIMENT_MAX_CHARS", "lots", "SENTIMENT_MAX_CHARS='lots' is not a valid value"),
    ("SENTIMENT_MAX_TEXTS", "-3", "SENTIMENT_MAX_TEXTS=-3 must be a whole number of at least 1"),
    ("SENTIMENT_BATCH_SIZE", "0", "SENTIMENT_BATCH_SIZE=0 must be a whole number of at least 1"),
    ("SENTIMENT_WINDOW_OVERLAP", "-1", "SENTIMENT_WINDOW_OVERLAP=-1 must be a whole number of at least 0"),
    ("SENTIMENT_WINDOW_OVERLAP", "6.5", "SENTIMENT_WINDOW_OVERLAP='6.5' is not a valid value"),
    ("SENTIMENT_COALESCE_MS", "-1", "SENTIMENT_COALESCE_MS=-1.0 must be a number of milliseconds from 0 to 1000"),
    ("SENTIMENT_COALESCE_MS", "nan", "SENTIMENT_COALESCE_MS=nan must be a number of milliseconds from 0 to 1000"),
    ("SENTIMENT_COALESCE_MS", "5000", "SENTIMENT_COALESCE_MS=5000.0 must be a number of milliseconds from 0 to 1000"),
    ("SENTIMENT_TORCH_THREADS", "0", "SENTIMENT_TORCH_THREADS=0 must be a whole number of at least 1"),
    ("SENTIMENT_LOAD_IN_BACKGROUND", "maybe", "SENTIMENT_LOAD_IN_BACKGROUND='maybe' is not a valid value"),
    ("MAX_CONTENT_LENGTH", "0", "MAX_CONTENT_LENGTH=0 must be a whole number of at least 1"),
])
def test_bad_values_are_refused_by_name(name, raw, message):
    with pytest.raises(ConfigError) as refused:
        from_env({name: raw})
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("override", [
    {"SENTIMENT_WINDOW_OVERLAP": -64},
    {"SENTIMENT_BATCH_SIZE": 0},
    {"SENTIMENT_MAX_TEXTS": True},
    {"SENTIMENT_BACKEND": "gpu"},
])
def test_the_app_checks_settings_given_in_code_too(override):
    with pytest.raises(ConfigError, match=next(iter(override))):
        create_app({"TESTING": True, "SENTIMENT_MODEL": "bundled-lite", **override})


@pytest.mark.parametrize("name, raw", [
    ("SENTIMENT_WINDOW_OVERLAP", "-5"), ("GUNICORN_THREADS", "x"), ("GUNICORN_TIMEOUT", "0"), ("PORT", "http"),
])
def test_gunicorn_refuses_to_start_with_a_bad_setting_in_one_line(name, raw):
    result = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT,
                            env={**os.environ, name: raw}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"error: {name}=") and "Traceback" not in result.stderr
