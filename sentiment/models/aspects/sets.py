"""Aspect sets: the categories a shop cares about (口味, 配送速度 …), each named in the product's words, with
the words that reveal it.

A set is a small JSON file (``sets/<id>.json``: ``id``, ``name``, ``about``, ``categories`` and ``ignore``,
words that hold a category's word without being about it: 尽量 is not 分量's 量); each
category has ``targets`` (words naming the thing talked about: 味道, 服务员, 停车), ``opinions`` (words
that reveal it when nothing is named: 好吃 is about 口味, 好找 about 位置) and ``examples`` (phrases a user
taught it from), and ``learned``: the terms ``teach.learn_terms`` drew from the examples. A clause is about
a category when one of its target words is in the clause, or, when the clause names no target of any
category, one of its opinion words: 菜品很贵 is about 价格 (贵 is a target word of 价格) and 口味 (菜品),
while 很好找 is about 位置 alone. A clause that holds none of a set's words is not forced into a category.

Words match case-insensitively, longest first where two overlap (上菜速度 is 服务's, not 配送速度's 速度),
except that the words of a category a user added to a ready-made set (``preferred``) come before all
others, and a word of theirs is theirs alone: a 停车 category taught from examples takes 停车 and
停车场 from 位置, as its maker meant.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable

SETS_DIR = Path(__file__).resolve().parent / "sets"
# Words learned from data for the ready-made sets' categories (training/aspects.py): set id -> category -> words.
LEARNED_PATH = Path(__file__).resolve().parents[3] / "models" / "aspects" / "learned.json"
MAX_CATEGORIES, MAX_WORDS, MAX_WORD_CHARS, MAX_EXAMPLES, MAX_EXAMPLE_CHARS = 30, 200, 12, 50, 200
MAX_LEARNED = 1000  # words learned from data (a category's examples, or the aspect corpus for dishes)
NAME = re.compile(r"^[\w\-/·]{1,40}$")
ID = re.compile(r"^[\w\-]{1,40}$")  # letters (Chinese too), digits, _ and -: safe as a file name


class InvalidAspectSet(ValueError):
    """A set or category that cannot be used as sent; ``code`` is stable, the message Chinese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class UnknownAspectSet(LookupError):
    """No ready-made or stored set has that id."""


@dataclass(frozen=True)
class Hit:
    """One word of the set found in a text: where, which categories it reveals, and how."""

    start: int
    end: int
    categories: tuple[str, ...]
    kind: str  # "target" or "opinion"


@dataclass(frozen=True)
class Category:
    name: str
    targets: tuple[str, ...] = ()
    opinions: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    learned: tuple[str, ...] = ()
    preferred: bool = False  # a user's category added to a ready-made set: its words match first

    def as_json(self) -> dict:
        return {"targets": list(self.targets), "opinions": list(self.opinions), "examples": list(self.examples),
                "learned": list(self.learned), **({"preferred": True} if self.preferred else {})}


@dataclass(frozen=True)
class AspectSet:
    id: str
    name: str
    categories: tuple[Category, ...]
    about: str = ""
    owner: str | None = None
    builtin: bool = False
    ignore: tuple[str, ...] = ()  # words that hold a category's word but are not about it (尽量, 菜单)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(category.name for category in self.categories)

    @cached_property
    def _index(self) -> tuple[re.Pattern | None, dict[str, tuple[tuple[str, ...], str]]]:
        """One pattern over every word (longest first) and, per lower-cased word, its categories and kind
        (a word that is a target anywhere is a target: naming wins over revealing)."""
        found: dict[str, tuple[list[str], str]] = {}
        first = {w.lower() for c in self.categories if c.preferred for w in c.targets + c.learned + c.opinions}
        for category in self.categories:
            for kind, words in (("target", category.targets + category.learned), ("opinion", category.opinions)):
                for word in words:
                    key = word.lower()
                    if key in first and not category.preferred:
                        continue  # a user's category took this word: it is theirs alone
                    names, known = found.setdefault(key, ([], kind))
                    if category.name not in names:
                        names.append(category.name)
                    if kind == "target":
                        found[key] = (names, "target")
        for word in self.ignore:  # matched like the others, longest first, and about nothing
            found.setdefault(word.lower(), ([], "ignore"))
        if not found:
            return None, {}
        ordered = sorted(found, key=lambda word: (word not in first, -len(word)))
        pattern = re.compile("|".join(re.escape(word) for word in ordered), re.IGNORECASE)
        return pattern, {word: (tuple(names), kind) for word, (names, kind) in found.items()}

    def hits(self, text: str, start: int = 0, end: int | None = None) -> list[Hit]:
        """The set's words in ``text[start:end]``, with offsets into ``text``, leftmost-longest, no overlaps."""
        pattern, index = self._index
        if pattern is None:
            return []
        found = []
        for match in pattern.finditer(text, start, len(text) if end is None else end):
            names, kind = index[match.group().lower()]
            if names:
                found.append(Hit(match.start(), match.end(), names, kind))
        return found

    def about_clause(self, hits: Iterable[Hit]) -> dict[str, list[Hit]]:
        """The categories one clause is about, each with the hits that say so (targets; opinions only when
        the clause names no target)."""
        hits = list(hits)
        named = [hit for hit in hits if hit.kind == "target"] or hits
        categories: dict[str, list[Hit]] = {}
        for hit in named:
            for name in hit.categories:
                categories.setdefault(name, []).append(hit)
        return categories

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "about": self.about, "builtin": self.builtin,
                "categories": {category.name: category.as_json() for category in self.categories},
                **({"ignore": list(self.ignore)} if self.ignore else {})}


def _words(body: dict, key: str, what: str, limit: int, chars: int) -> tuple[str, ...]:
    """``body[key]``'s words, stripped, once each; () when absent (null is not absent: it is refused)."""
    if key not in body:
        return ()
    value = body[key]
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise InvalidAspectSet("invalid_aspect_set", f"{what}必须是字符串列表。")
    if not all(word.strip() for word in value):
        raise InvalidAspectSet("invalid_aspect_set", f"{what}里不能有空的项。")
    if len(value) > limit:  # counted as sent, repeats too: the document's maxItems
        raise InvalidAspectSet("invalid_aspect_set", f"{what}最多 {limit} 个，收到 {len(value)} 个。")
    words = tuple(dict.fromkeys(word.strip() for word in value))
    if any(len(word) > chars for word in words):
        raise InvalidAspectSet("invalid_aspect_set", f"{what}里每一项最多 {chars} 个字。")
    return words


def check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not NAME.match(value.strip()):
        raise InvalidAspectSet("invalid_aspect_set", f"{what}须为 1–40 个字符，只用中文、字母、数字、_、-、/ 或 ·。")
    return value.strip()


def category_from_json(name: object, body: object) -> Category:
    """One category as a user (or a set file) sends it; ``InvalidAspectSet`` for anything else."""
    name = check_name(name, "类别名称")
    if not isinstance(body, dict) or set(body) - {"targets", "opinions", "examples", "learned", "preferred"}:
        raise InvalidAspectSet("invalid_aspect_set",
                               f"类别「{name}」须为对象，只含 targets（词）、opinions（评价词）和 examples（示例句）。")
    category = Category(name, _words(body, "targets", f"「{name}」的词", MAX_WORDS, MAX_WORD_CHARS),
                        _words(body, "opinions", f"「{name}」的评价词", MAX_WORDS, MAX_WORD_CHARS),
                        _words(body, "examples", f"「{name}」的示例句", MAX_EXAMPLES, MAX_EXAMPLE_CHARS),
                        _words(body, "learned", f"「{name}」学到的词", MAX_LEARNED, MAX_WORD_CHARS),
                        body.get("preferred") is True)
    if not (category.targets or category.opinions or category.examples):
        raise InvalidAspectSet("invalid_aspect_set", f"类别「{name}」至少需要一个词或一句示例。")
    return category


def set_from_json(body: object, builtin: bool = False, owner: str | None = None) -> AspectSet:
    """A whole set from its JSON; every category checked."""
    if not isinstance(body, dict) or not isinstance(body.get("categories"), dict):
        raise InvalidAspectSet("invalid_aspect_set", "类别集须为对象，含 id、name 和 categories（类别名 → 词与示例）。")
    categories = tuple(category_from_json(name, value) for name, value in body["categories"].items())
    if not categories or len(categories) > MAX_CATEGORIES:
        raise InvalidAspectSet("invalid_aspect_set", f"一个类别集须有 1–{MAX_CATEGORIES} 个类别。")
    about = body.get("about", "")
    if not isinstance(about, str) or len(about) > 200:
        raise InvalidAspectSet("invalid_aspect_set", "说明（about）须为不超过 200 字的字符串。")
    set_id = body.get("id")
    if not isinstance(set_id, str) or not ID.match(set_id):
        raise InvalidAspectSet("invalid_aspect_set", "类别集 id 须为 1–40 个字符，只用中文、字母、数字、_ 或 -。")
    ignore = _words(body, "ignore", "不算数的词（ignore）", MAX_WORDS, MAX_WORD_CHARS)
    return AspectSet(set_id, check_name(body.get("name", set_id), "类别集名称"), categories, about, owner, builtin, ignore)


@lru_cache(maxsize=1)
def ready_made() -> dict[str, AspectSet]:
    """The sets that ship (``sets/*.json``), by id, with the words learned for them (``LEARNED_PATH``)."""
    learned = json.loads(LEARNED_PATH.read_text(encoding="utf-8")) if LEARNED_PATH.exists() else {}
    found = {}
    for path in sorted(SETS_DIR.glob("*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        for name, words in learned.get(body.get("id"), {}).items():
            if name in body["categories"]:
                body["categories"][name] = {**body["categories"][name], "learned": words}
        aspect_set = set_from_json(body, builtin=True)
        found[aspect_set.id] = aspect_set
    return found
