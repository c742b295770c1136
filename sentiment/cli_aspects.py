"""``python -m sentiment aspects``: what each text talks about, as ``POST /api/aspects`` answers, one JSON
line per text; ``--list`` shows the sets. ``tag --aspects SET`` (cli.py) adds a column per category."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Mapping

from sentiment.cli_common import fail
from sentiment.models.aspects.reader import AspectReader
from sentiment.models.aspects.sets import AspectSet, UnknownAspectSet
from sentiment.models.aspects.store import AspectSets, shipped_polarity
from sentiment.models.backends import load_backend
from sentiment.models.service import SentimentService
from sentiment.models.texts import InvalidText, check_text


def reader_and_set(config: Mapping[str, Any], set_id: str) -> tuple[AspectReader, AspectSet] | None:
    """The reader on ``SENTIMENT_ASPECT_MODEL`` and the set named; None, said on stderr, for an unknown set."""
    try:
        aspect_set = AspectSets(Path(config["SENTIMENT_DATA_DIR"])).get(set_id)
    except UnknownAspectSet:
        fail(f"没有名为“{set_id}”的类别集（--set / --aspects）；`python -m sentiment aspects --list` 列出全部")
        return None
    name = config["SENTIMENT_ASPECT_MODEL"]
    service = SentimentService.from_config(load_backend({**config, "SENTIMENT_MODEL": name})[0], config)
    return AspectReader(service, name, shipped_polarity()), aspect_set


def aspects(args: argparse.Namespace, config: Mapping[str, Any], texts: list[str],
            emit: Callable[[dict], None]) -> int:
    if args.list:
        for found in AspectSets(Path(config["SENTIMENT_DATA_DIR"])).list():
            emit({"id": found.id, "name": found.name, "categories": list(found.names), "builtin": found.builtin})
        return 0
    chosen = reader_and_set(config, args.set or config["SENTIMENT_ASPECT_SET"])
    if chosen is None:
        return 2
    reader, aspect_set = chosen
    status = 0
    step = config["SENTIMENT_MAX_TEXTS"]
    for start in range(0, len(texts), step):
        batch, refused = [], {}
        for at, text in enumerate(texts[start:start + step]):
            try:
                batch.append(check_text(text, config["SENTIMENT_MAX_CHARS"], "text "))
            except InvalidText as error:
                refused[at] = {"text": text, "error": error.message, "code": error.code}
        found = iter(reader.read(batch, aspect_set))
        for at, text in enumerate(texts[start:start + step]):
            if at in refused:
                status = 2
                emit(refused[at])
            else:
                emit({"text": text, "set": aspect_set.id, "aspects": next(found)})
    return status


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser("aspects", help="the aspects (口味, 物流 …) of texts (arguments, or lines on standard input)")
    parser.add_argument("texts", nargs="*")
    parser.add_argument("--set", help="the aspect set's id (default: SENTIMENT_ASPECT_SET, restaurant)")
    parser.add_argument("--list", action="store_true", help="list the aspect sets and their categories")
    return parser
