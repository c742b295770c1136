"""The Celery app for scale-out jobs: ``celery -A sentiment.jobs.celery_app worker --pool prefork``.

Each worker child loads the model once, after the fork (``worker_process_init``): ModelScope pipelines
hang when several threads of one process call them (modelscope#700), so children are processes, one
inference at a time each. A task is one chunk of rows in, the same rows with the model's columns out,
so a chunk done twice gives the same rows and the web service counts it once. Late acknowledgement
and ``task_reject_on_worker_lost`` put a chunk back on the queue when its worker dies; a whole worker
killed leaves its chunk unacknowledged until the visibility timeout, then another worker takes it.
Workers read the same settings as the service (SENTIMENT_MODEL, SENTIMENT_DATA_DIR for taught
classifiers, …) from their environment.
"""
from __future__ import annotations

import os

from celery import Celery
from celery.backends.redis import RedisBackend
from celery.signals import worker_process_init

from sentiment.config import from_env
from sentiment.jobs.taggers import tagger_for

TASK = "sentiment.tag_chunk"


class PollingRedisBackend(RedisBackend):
    """Celery's Redis result store without its pub/sub: the service reads each chunk's stored state
    (``get_task_meta``) and never waits on a result, so subscribing to every task sent is of no use,
    and harmful: after Redis restarts, redis-py's PubSub re-subscribes on reconnect while holding its
    own lock and the sending thread deadlocks (seen with redis 6.2.0)."""

    def on_task_call(self, producer, task_id):  # noqa: ANN001 (Celery's signature)
        pass


def make_app(broker: str) -> Celery:
    """A Celery app on this Redis (broker and result store), with the settings both sides need."""
    app = Celery("sentiment", broker=broker, backend=f"{__name__}:PollingRedisBackend+{broker}")
    app.conf.update(
        task_acks_late=True,
        task_track_started=True,  # the service tells a chunk being worked on from one waiting or lost
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # Longer than any chunk takes; a chunk held by a worker that vanished is handed out again after it.
        broker_transport_options={"visibility_timeout": float(os.environ.get("SENTIMENT_JOB_VISIBILITY_SECONDS", "600"))},
        result_backend_transport_options={"retry_policy": {"timeout": 5.0}},
    )
    return app


# The workers' app: `celery -A sentiment.jobs.celery_app worker` reads SENTIMENT_BROKER_URL.
app = make_app(os.environ.get("SENTIMENT_BROKER_URL") or "redis://127.0.0.1:6379/0")
_loaded: dict = {}


@worker_process_init.connect
def load_model(**_: object) -> None:
    """This child's models, loaded once after the fork: sentiment, and zero-shot when it is on disk."""
    from sentiment.models.custom.store import ClassifierStore
    from sentiment.models.custom.zero_shot_slot import ZeroShotSlot
    from sentiment.models.model_slot import ModelSlot

    config = from_env()
    models = ModelSlot()
    models.load({**config, "SENTIMENT_COALESCE_MS": 0.0})  # one chunk at a time: nothing to merge
    zero_shot = ZeroShotSlot()
    zero_shot.load(config)
    _loaded.update(config=config, models=models, zero_shot=zero_shot,
                   classifiers=ClassifierStore(config["SENTIMENT_DATA_DIR"]))


@app.task(name=TASK)
def tag_chunk(rows: list[dict], options: dict, first_row: int) -> list[dict]:
    if not _loaded:
        load_model()  # a pool without process init (solo, threads) loads on first use
    tagger = tagger_for(options, _loaded["models"], _loaded["config"], _loaded["classifiers"], _loaded["zero_shot"])
    return list(tagger.tag(rows, start=first_row))
