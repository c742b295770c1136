"""The service a benchmark reads a bundled model through: the same settings as `make run`, the model named."""
from __future__ import annotations

from sentiment.config import from_env
from sentiment.models.backends import load_backend
from sentiment.models.service import SentimentService


def service_for(model: str) -> SentimentService:
    """A ``SentimentService`` on ``model`` (e.g. ``bundled-fast``), batches of 64 as the card reads them."""
    return SentimentService(load_backend({**from_env(), "SENTIMENT_MODEL": model})[0], batch_size=64)
