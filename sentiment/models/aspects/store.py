"""Aspect sets: the ready-made ones that ship and the ones users make, one JSON file each under
``<SENTIMENT_DATA_DIR>/aspect-sets`` (written to a temporary name and renamed, so a worker never reads half
a set), and the aspect reader of a process.

A user's set may start from a ready-made one (``base``; not from another user's): its categories are copied in, and the user's
categories added or put in place of those of the same name. Categories taught from examples get their
``learned`` words here, when the set is saved (``teach.learn_terms``, the set's other categories'
examples as the background).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from sentiment.models.aspects.polarity import AspectPolarity
from sentiment.models.aspects.reader import AspectReader
from sentiment.models.aspects.sets import ID, AspectSet, InvalidAspectSet, UnknownAspectSet, ready_made, set_from_json
from sentiment.models.aspects.teach import learn_terms
from sentiment.models.model_slot import ModelSlot


@lru_cache(maxsize=1)
def shipped_polarity() -> AspectPolarity:
    """``models/aspects/polarity.npz``, read once per process."""
    return AspectPolarity.load()


def reader_for(models: ModelSlot, config: Mapping[str, Any]) -> AspectReader:
    """The aspect reader on the bundled three-way model ``SENTIMENT_ASPECT_MODEL`` names (loaded once per
    process by the slot, whichever model the process serves)."""
    name = config["SENTIMENT_ASPECT_MODEL"]
    return AspectReader(models.get(name), name, shipped_polarity())


def with_learned(aspect_set: AspectSet) -> AspectSet:
    """``aspect_set`` with each category's ``learned`` words drawn from the examples."""
    examples = {c.name: list(c.examples) for c in aspect_set.categories if c.examples}
    if not examples:
        return aspect_set
    known = {c.name: c.targets + c.opinions for c in aspect_set.categories}
    terms = learn_terms(examples, known)
    return replace(aspect_set, categories=tuple(replace(c, learned=tuple(terms.get(c.name, ())))
                                                for c in aspect_set.categories))


class AspectSets:
    def __init__(self, root: Path):
        self.folder = Path(root) / "aspect-sets"
        # A stored set as last read, by id, with its file's (inode, mtime, size): a request reads the file's
        # stat, not the file, and the set's word pattern is compiled once per saved version (as classifiers).
        self._loaded: dict[str, tuple[tuple[int, int, int], AspectSet]] = {}

    def get(self, set_id: object) -> AspectSet:
        """A ready-made or stored set by id; ``UnknownAspectSet`` otherwise."""
        if not isinstance(set_id, str):
            raise UnknownAspectSet(str(set_id))
        found = ready_made().get(set_id)
        if found is not None:
            return found
        if not ID.match(set_id):
            raise UnknownAspectSet(set_id)
        path = self.folder / f"{set_id}.json"
        try:
            seen = path.stat()
            stamp = (seen.st_ino, seen.st_mtime_ns, seen.st_size)
            cached = self._loaded.get(set_id)
            if cached and cached[0] == stamp:
                return cached[1]
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise UnknownAspectSet(set_id) from None
        found = set_from_json(body, owner=body.get("owner"))
        self._loaded[set_id] = (stamp, found)
        return found

    def list(self) -> list[AspectSet]:
        stored = []
        if self.folder.is_dir():
            for path in sorted(self.folder.glob("*.json")):
                try:
                    stored.append(self.get(path.stem))
                except (UnknownAspectSet, InvalidAspectSet, ValueError):
                    continue  # a file someone broke by hand is not a set
        return list(ready_made().values()) + stored

    def build(self, body: object) -> AspectSet:
        """A user's set from its JSON (``base`` copied in first), learned words drawn; not yet saved."""
        if not isinstance(body, dict):
            raise InvalidAspectSet("invalid_aspect_set", "类别集须为对象，含 id、name 和 categories。")
        base = body.get("base")
        categories: dict = {}
        ignore: list = []
        if "base" in body:
            based_on = ready_made().get(base) if isinstance(base, str) else None
            if based_on is None:  # only a ready-made set: another key's own set is not for copying
                raise InvalidAspectSet("invalid_aspect_set", f"没有名为“{base}”的内置类别集可作为基础。")
            categories, ignore = {c.name: c.as_json() for c in based_on.categories}, list(based_on.ignore)
        added = body.get("categories")
        if not isinstance(added, dict) or not added:  # with a base too: a set is made for its own categories
            raise InvalidAspectSet("invalid_aspect_set", "categories 须为对象（类别名 → 词与示例），至少一个类别。")
        if "base" in body:  # the user's own categories match first (sets.py)
            added = {name: {**value, "preferred": True} if isinstance(value, dict) else value
                     for name, value in added.items()}
        categories.update(added)
        own_ignore = body.get("ignore", [])
        aspect_set = set_from_json({**{k: v for k, v in body.items() if k != "base"}, "categories": categories,
                                    "ignore": ignore + own_ignore if isinstance(own_ignore, list) else own_ignore})
        if aspect_set.id in ready_made():
            raise InvalidAspectSet("invalid_aspect_set", f"“{aspect_set.id}”是内置类别集的名称；请换个 id。")
        return with_learned(aspect_set)

    def save(self, aspect_set: AspectSet, owner: str | None) -> AspectSet:
        self.folder.mkdir(parents=True, exist_ok=True)
        body = {**aspect_set.as_json(), "owner": owner}
        del body["builtin"]
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(body, stream, ensure_ascii=False)
            os.replace(temporary, self.folder / f"{aspect_set.id}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return replace(aspect_set, owner=owner)

    def delete(self, set_id: str) -> None:
        if set_id in ready_made():
            raise InvalidAspectSet("builtin_aspect_set", "内置类别集不能删除。")
        aspect_set = self.get(set_id)
        (self.folder / f"{aspect_set.id}.json").unlink(missing_ok=True)
