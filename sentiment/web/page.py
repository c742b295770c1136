"""The page for staff: ``GET /``. All behaviour is in the scripts under ``static/`` (chat.js, bulk.js, custom.js,
aspects.js), which call the API."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template

from sentiment.web.security import mark_page_session

bp = Blueprint("page", __name__)

EXAMPLES = (
    "这个东西真心很赞",
    "质量太差了，再也不买了",
    "送餐很快，味道也不错",
    "客服态度冷淡，等了一个小时",
    "虽然有点贵，但是物有所值",
)


@bp.get("/")
def index():
    mark_page_session()
    return render_template(
        "index.html", examples=EXAMPLES, max_chars=current_app.config["SENTIMENT_MAX_CHARS"],
        max_texts=current_app.config["SENTIMENT_MAX_TEXTS"], job_bytes=current_app.config["SENTIMENT_PAGE_JOB_BYTES"],
    )
