"""The labelled sources whose labels are topics, not sentiment: what typed labels are tuned and scored on.

Two tasks, as ``benchmarks/few_shot.py`` teaches them: the ten product categories of
online_shopping_10_cats (书籍 … 酒店), and the ten aspects of bdci_car_2018 (动力 … 配置), from
comments about one aspect only. Callers split the rows by the fixed hash rule (``data.is_test``).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

Rows = list[tuple[str, str]]


def shopping(datasets: Path) -> Rows:
    """(review, category) for every review of online_shopping_10_cats."""
    import pandas as pd

    with zipfile.ZipFile(Path(datasets) / "online_shopping_10_cats.zip") as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        frame = pd.read_csv(archive.open(name))
    return [(review, cat) for review, cat in zip(frame["review"], frame["cat"]) if isinstance(review, str) and review.strip()]


def car_aspects(datasets: Path) -> Rows:
    """(comment, aspect) for the bdci_car_2018 comments that speak of one aspect only."""
    import pandas as pd

    frame = pd.read_csv(Path(datasets) / "more" / "bdci_car_2018" / "train.csv")
    aspects = frame.groupby("content")["subject"].nunique()
    single = frame[frame["content"].isin(aspects[aspects == 1].index)].drop_duplicates("content")
    return list(zip(single["content"], single["subject"]))
