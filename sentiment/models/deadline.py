"""A request's time budget, checked by the models between batches: a pass over many long texts stops
at the next batch once the budget is spent instead of holding a worker for minutes. The web layer
sets the budget (``SENTIMENT_REQUEST_SECONDS``) and answers ``OutOfTime`` with its own error."""
from __future__ import annotations

import time


class OutOfTime(RuntimeError):
    """The work went past its deadline (``time.monotonic()`` seconds) and was stopped."""


def check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise OutOfTime("time budget spent")
