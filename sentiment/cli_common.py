"""What every command shares: one JSON line out, standard input as lines, the model that serves said in one
short line, errors in Chinese on one line."""
from __future__ import annotations

import io
import json
import sys

from sentiment.models.backends import load_backend
from sentiment.models.service import SentimentService

SAY_WHY = {"verbose": False}  # --verbose: the model line says why this model serves (set by cli.main)


def emit(payload: dict) -> None:
    """One JSON line. A refused text may hold lone surrogates (undecodable input); they go out as
    ``\\udcxx`` escapes, which is still valid JSON for the same string, instead of failing to print."""
    line = json.dumps(payload, ensure_ascii=False) + "\n"
    sys.stdout.buffer.write(line.encode("utf-8", "backslashreplace"))
    sys.stdout.buffer.flush()


def stdin_lines() -> list[str]:
    """Non-blank lines of standard input; bytes that are not UTF-8 survive as lone surrogates, so the
    line holding them is answered with ``invalid_unicode`` in its place rather than ending the run."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape")
    return [line.rstrip("\r\n") for line in stream if line.strip()]


def load_service(config: dict) -> SentimentService:
    """The configured model as a service, saying on stderr in one short line which model serves (and, with
    ``--verbose``, why: the reason names settings and the download command, for the operator)."""
    backend, choice = load_backend(config)
    print(f"模型：{backend.name}" + (f"（{choice.reason}）" if SAY_WHY["verbose"] else ""), file=sys.stderr)
    return SentimentService.from_config(backend, config)


def fail(message: object) -> int:
    """One line on stderr, in Chinese as the product is; exit status 2."""
    print(f"错误：{message}", file=sys.stderr)
    return 2
