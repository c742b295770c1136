"""The page for staff: ``GET /``. All behaviour is in the scripts under ``static/`` (chat.js, bulk.js, jobs.js,
custom.js, aspects.js, ui.js), which call the API. Here: what the page says of the model in plain Chinese
(内置模型 · 情感, its technical name only in a tooltip) and a hint that follows the model's labels."""
from __future__ import annotations

from typing import Sequence

from flask import Blueprint, current_app, render_template

from sentiment.models.backends import BUNDLED_MODELS
from sentiment.web.security import mark_page_session

bp = Blueprint("page", __name__)

EXAMPLES = (
    "这个东西真心很赞",
    "质量太差了，再也不买了",
    "送餐很快，味道也不错",
    "客服态度冷淡，等了一个小时",
    "虽然有点贵，但是物有所值",
)
# What each bundled head answers, in staff's words.
TASKS = {"polarity": "情感", "three_way": "三分类", "emotion": "情绪"}
POLARITY = {"正面", "负面"}


def task_of(labels: Sequence[str], head: str | None = None) -> str:
    """情感 (正面/负面), 三分类 (with 中性) or 情绪 (any other set), by the bundled head or else by the labels."""
    if head in TASKS:
        return head
    names = set(labels)
    if names == POLARITY:
        return "polarity"
    if names == POLARITY | {"中性"}:
        return "three_way"
    return "emotion"


def hint(labels: Sequence[str] | None, task: str | None) -> str:
    """The empty chat's hint: what the answer will say, in the model's own terms."""
    start = "输入或粘贴一段中文评论、留言或帖子，按 Enter 发送，"
    if task == "polarity":
        said = "我会告诉你它是正面还是负面"
    elif task == "three_way":
        said = "我会告诉你它是正面、中性还是负面"
    elif labels:
        said = "我会告诉你它表达的是哪种情绪（" + "、".join(labels) + "）"
    else:
        said = "我会告诉你它的情感倾向"
    return start + said + "，以及有多大把握。"


def model_words() -> dict:
    """The served model as staff read it: ``name`` (内置模型 · 情感, 通用模型 · 三分类 …), ``title`` (its technical
    name, for a tooltip), ``labels`` and ``hint``; name and title empty while it loads (the page asks /ready)."""
    loaded = current_app.extensions["sentiment_model"].loaded
    if loaded is None:
        return {"name": "", "title": "", "labels": [], "hint": hint(None, None)}
    backend = loaded.service.backend
    labels = list(backend.labels)
    if loaded.choice.kind == "bundled":
        maker, head = "内置模型", BUNDLED_MODELS.get(loaded.choice.bundled, ("", None))[1]
    else:  # a StructBERT or another model from ModelScope, or one exported to ONNX
        maker, head = "通用模型", None
    task = task_of(labels, head)
    return {"name": f"{maker} · {TASKS[task]}", "title": backend.name, "labels": labels, "hint": hint(labels, task)}


@bp.get("/")
def index():
    mark_page_session()
    config = current_app.config
    return render_template(
        "index.html", examples=EXAMPLES, max_chars=config["SENTIMENT_MAX_CHARS"], max_texts=config["SENTIMENT_MAX_TEXTS"],
        job_bytes=config["SENTIMENT_PAGE_JOB_BYTES"], model=model_words(),
    )
