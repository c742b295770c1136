"""The rules a request's own labels and hypothesis template must meet, for the API and the CLI alike.

Kept in the models layer (like ``texts.check_text``): a label set that would make the
zero-shot model score nonsense (one label single-label, duplicates, a template with no
place for the label) is refused before any model runs.
"""
from __future__ import annotations

DEFAULT_TEMPLATE = "这条评论说的是{}。"
MAX_LABEL_CHARS = 50


class InvalidLabels(ValueError):
    """A label set or template the classifier cannot use; ``code`` is stable, ``message`` Chinese."""

    def __init__(self, code: str, message: str, **extra: object):
        super().__init__(message)
        self.code, self.message, self.extra = code, message, extra


def check_labels(labels: object, multi_label: bool, max_labels: int) -> list[str]:
    """The labels, stripped, in the order given; single-label needs two (scores are shared out among them)."""
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise InvalidLabels("invalid_labels", "labels 必须是字符串数组，例如 [\"物流问题\", \"商品质量\"]。")
    stripped = [label.strip() for label in labels]
    minimum = 1 if multi_label else 2
    if len(stripped) < minimum:
        raise InvalidLabels("too_few_labels", f"至少需要 {minimum} 个标签（单标签分类在标签之间分配分数）。",
                            min_labels=minimum)
    if len(stripped) > max_labels:
        raise InvalidLabels("too_many_labels", f"最多 {max_labels} 个标签，收到 {len(stripped)} 个。",
                            max_labels=max_labels)
    for at, label in enumerate(stripped):
        if not label:
            raise InvalidLabels("empty_label", f"第 {at + 1} 个标签是空的。", index=at)
        if len(label) > MAX_LABEL_CHARS:
            raise InvalidLabels("label_too_long", f"第 {at + 1} 个标签超过 {MAX_LABEL_CHARS} 个字符。",
                                index=at, max_chars=MAX_LABEL_CHARS)
    seen: set[str] = set()
    for at, label in enumerate(stripped):
        if label in seen:
            raise InvalidLabels("duplicate_label", f"标签“{label}”重复了。", index=at)
        seen.add(label)
    return stripped


def check_template(template: object) -> str | None:
    """A hypothesis template with exactly one ``{}`` where each label goes, and no other braces; None when
    the request gave none (the NLI model then uses ``DEFAULT_TEMPLATE``; a generative one needs none)."""
    if template is None:
        return None
    if not isinstance(template, str) or not template.strip():
        raise InvalidLabels("invalid_template", "hypothesis_template 必须是非空字符串，例如 \"这条评论说的是{}。\"。")
    if template.count("{}") != 1 or template.replace("{}", "").count("{") or template.replace("{}", "").count("}"):
        raise InvalidLabels("invalid_template", "hypothesis_template 必须含且只含一个 {}，标签会填在那里。")
    return template.strip()
