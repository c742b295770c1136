"""Schemathesis, every check, against a live Gunicorn with keys off and on: the API does what its
OpenAPI document says, in both directions (nothing valid refused beyond schemathesis.toml's stated
exceptions, nothing invalid accepted), never answers 5xx or an undocumented status, needs its key, and a
deleted job is gone. A bounded, seeded run that fails on any finding; what earlier runs found is kept as
plain tests beside the code it concerns (test_security, test_bulk_api, test_jobs)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import NO_ZERO_SHOT, ROOT, Gunicorn

pytest.importorskip("schemathesis", reason="schemathesis is not installed (requirements-dev.txt)")


@pytest.mark.parametrize("keys", [None, "admin:admin-key,shop:shop-key"], ids=["open", "keys"])
def test_schemathesis_finds_nothing(tmp_path, keys):
    settings = {"SENTIMENT_MODEL": "bundled-lite", "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                "SENTIMENT_DATA_DIR": str(tmp_path / "data"), "WEB_CONCURRENCY": "1", "GUNICORN_ACCESS_LOG": "/dev/null"}
    if keys:
        settings["SENTIMENT_API_KEYS"] = keys
    server = Gunicorn(tmp_path / "log.txt", **settings)
    try:
        server.wait_ready(workers=1)
        command = [sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/openapi.json", "--checks", "all",
                   "--max-examples", "40", "--workers", "1", "--seed", "20261130", "--no-color"]
        if keys:
            command[5:5] = ["-H", "X-API-Key: shop-key"]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
