"""Which job engine a service runs: embedded (the default) or scale-out (SENTIMENT_BROKER_URL set)."""
from __future__ import annotations

from typing import Any, Mapping

from sentiment.bulk.tagging import Tagger
from sentiment.jobs.embedded import EmbeddedEngine
from sentiment.jobs.scale_out import ScaleOutEngine
from sentiment.jobs.store import JobStore
from sentiment.jobs.taggers import tagger_for
from sentiment.models.custom.store import ClassifierStore
from sentiment.models.custom.zero_shot_slot import ZeroShotSlot
from sentiment.models.model_slot import ModelSlot


def for_service(config: Mapping[str, Any], slot: ModelSlot, classifiers: ClassifierStore,
                zero_shot: ZeroShotSlot) -> tuple[JobStore, EmbeddedEngine | ScaleOutEngine]:
    """The job store under SENTIMENT_DATA_DIR and its engine. The engine starts with the first job this
    process takes, or at once when jobs were left unfinished (a restart)."""
    store = JobStore(config["SENTIMENT_DATA_DIR"])
    store.expire(config["SENTIMENT_JOB_TTL_HOURS"] * 3600)
    engine: EmbeddedEngine | ScaleOutEngine
    if config["SENTIMENT_BROKER_URL"]:
        engine = ScaleOutEngine(store, config["SENTIMENT_BROKER_URL"], config["SENTIMENT_JOB_CHUNK_TIMEOUT"])
    else:
        def tagger(options: dict) -> Tagger:
            return tagger_for(options, slot, config, classifiers, zero_shot)

        engine = EmbeddedEngine(store, tagger, ready=lambda: slot.loaded is not None)
    if store.pending():
        engine.ensure_started()
    return store, engine
