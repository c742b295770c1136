"""Taught classifiers on disk, so that every Gunicorn worker serves them and they survive a restart.

Each classifier is two files under ``<SENTIMENT_DATA_DIR>/classifiers``: ``NAME.npz`` (its
arrays, loaded with ``allow_pickle=False``) and ``NAME.json`` (labels and the teaching report).
Both are written to temporary names and renamed into place, the JSON last, so a worker never
reads half a classifier: a classifier exists once its JSON does. Workers keep what they
loaded and reload a classifier when its JSON changes (a new file each save: a new inode).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from sentiment.models.custom.taught import TaughtClassifier

NAME = re.compile(r"^[\w\-]{1,40}$")  # letters (Chinese too), digits, _ and -: safe as a file name


class UnknownClassifier(LookupError):
    """No classifier of that name is stored."""


class InvalidName(ValueError):
    """A name that cannot be a classifier's (and a file's) name."""


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME.match(name.strip()):
        raise InvalidName("分类器名称须为 1–40 个字符，只用中文、字母、数字、_ 或 -。")
    return name.strip()


class ClassifierStore:
    def __init__(self, root: Path):
        self.folder = Path(root) / "classifiers"
        self._loaded: dict[str, tuple[tuple[int, int, int], TaughtClassifier]] = {}
        self._lock = threading.Lock()

    def _paths(self, name: str) -> tuple[Path, Path]:
        name = check_name(name)
        return self.folder / f"{name}.npz", self.folder / f"{name}.json"

    def _replace(self, path: Path, write) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=path.suffix)
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def save(self, classifier: TaughtClassifier, owner: str | None = None) -> dict:
        """Store a classifier, owned by ``owner`` (a key's name; None: shared, as the CLI teaches)."""
        arrays, description = self._paths(classifier.name)
        self.folder.mkdir(parents=True, exist_ok=True)
        about = {"name": classifier.name, "labels": list(classifier.labels), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                 **classifier.report, "owner": owner}
        self._replace(arrays, lambda stream: np.savez(stream, columns=classifier.columns, weights=classifier.weights,
                                                      bias=classifier.bias, topic=classifier.topic,
                                                      examples=classifier.examples))
        self._replace(description, lambda stream: stream.write(
            (json.dumps(about, ensure_ascii=False, indent=1) + "\n").encode("utf-8")))
        return about

    def exists(self, name: str) -> bool:
        return self._paths(name)[1].is_file()

    def about(self, name: str) -> dict:
        try:
            return json.loads(self._paths(name)[1].read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UnknownClassifier(name) from None

    def get(self, name: str) -> TaughtClassifier:
        arrays, description = self._paths(name)
        try:
            seen = description.stat()
            stamp = (seen.st_ino, seen.st_mtime_ns, seen.st_size)
        except FileNotFoundError:
            raise UnknownClassifier(name) from None
        with self._lock:
            cached = self._loaded.get(name)
            if cached and cached[0] == stamp:
                return cached[1]
            about = self.about(name)
            with np.load(arrays, allow_pickle=False) as saved:
                # Classifiers saved before topic vectors existed have no "topic": they read none.
                topic = saved["topic"] if "topic" in saved.files else np.zeros((0, 0), np.float32)
                # Those saved before 其他 had no example vectors: only their confidence can say 其他.
                examples = saved["examples"] if "examples" in saved.files else np.zeros((0, 0), np.float16)
                classifier = TaughtClassifier(about["name"], tuple(about["labels"]), saved["columns"],
                                              saved["weights"], saved["bias"], about, topic, examples)
            self._loaded[name] = (stamp, classifier)
            return classifier

    def list(self) -> list[dict]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue  # removed or being replaced between the listing and the read
        return found

    def delete(self, name: str) -> None:
        arrays, description = self._paths(name)
        try:
            description.unlink()  # first: without its JSON a classifier no longer exists
        except FileNotFoundError:
            raise UnknownClassifier(name) from None
        arrays.unlink(missing_ok=True)
        with self._lock:
            self._loaded.pop(name, None)
