"""The tagger for one job's options, the same in the embedded engine and in a Celery worker: the
sentiment model (the served one, or the bundled model the job named), plus a taught classifier or
zero-shot labels when the job asked for one, and an aspect set's columns when it named one."""
from __future__ import annotations

from typing import Any, Mapping

from pathlib import Path

from sentiment.bulk.tagging import Tagger
from sentiment.models.aspects.store import AspectSets, reader_for
from sentiment.models.custom.fixed_labels import FixedLabels
from sentiment.models.custom.store import ClassifierStore
from sentiment.models.custom.zero_shot_slot import ZeroShotSlot
from sentiment.models.model_slot import ModelSlot


def tagger_for(options: Mapping[str, Any], models: ModelSlot, config: Mapping[str, Any],
               classifiers: ClassifierStore, zero_shot: ZeroShotSlot) -> Tagger:
    classifier: Any = None
    if options.get("classifier"):
        classifier = classifiers.get(options["classifier"])
    elif options.get("labels"):
        classifier = FixedLabels(zero_shot.get(), options["labels"], options.get("template"),
                                 bool(options.get("multi_label")))
    aspects = None
    if options.get("aspects"):
        aspects = (reader_for(models, config), AspectSets(Path(config["SENTIMENT_DATA_DIR"])).get(options["aspects"]))
    return Tagger(models.get(options.get("model")), options["column"], config["SENTIMENT_MAX_CHARS"],
                  classifier=classifier, aspects=aspects, threshold=options.get("threshold"),
                  headers=options.get("header_language") or "en")
