"""Few-shot quality of taught classifiers: teach with k examples per label, score on the test split.

    python benchmarks/few_shot.py --datasets ../shared/datasets [--out benchmarks/results/few_shot.md]

Two tasks whose labels are not sentiment: the ten product categories of online_shopping_10_cats
(书籍 … 酒店) and the ten aspects of bdci_car_2018 (动力 … 配置; comments about one aspect only).
Examples are drawn from each source's training split (the fixed hash rule), scored on its whole test
split, with 8, 16 and 32 examples per label, mean and spread of 3 draws. Side by side:

- taught (shipped): ``sentiment.models.custom.taught.teach``, char 1–2-gram tf x corpus idf, with
  or without topic vectors as cross-validation on the examples decides; and each of its two
  candidates on its own (n-grams only; n-grams + topic vectors);
- reference: char 1–3-gram TF-IDF (idf from the examples) + scikit-learn's logistic regression, the
  issue's stated baseline;
- BiGRU vector: the bundled model's 640-wide sentence vector (attention- and max-pooled, what its
  heads read) with the same logistic regression as taught.

Also the seconds that teaching takes with cross-validation, as ``POST /api/classifiers`` does.
The test texts never reach teaching: topic vectors and idf come from training splits only.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.models.custom.taught import TaughtClassifier, logistic_regression, teach  # noqa: E402
from sentiment.training.data import is_test, normalise  # noqa: E402
from sentiment.training.label_sources import car_aspects, shopping  # noqa: E402
from report import publish  # noqa: E402

Method = Callable[[Sequence[str], Sequence[str], Sequence[str]], list[str]]


def taught(texts, labels, tests) -> list[str]:
    return [p.label for p in teach("benchmark", texts, labels).predict(tests)]


def fixed(topic_weight: float) -> Method:
    def method(texts, labels, tests) -> list[str]:
        model = TaughtClassifier.fit("benchmark", texts, labels, topic_weight=topic_weight)
        return [p.label for p in model.predict(tests)]

    return method


def reference(texts, labels, tests) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    model = LogisticRegression(max_iter=2000).fit(vectoriser.fit_transform(texts), labels)
    return list(model.predict(vectoriser.transform(tests)))


def bigru_vectors() -> Callable[[Sequence[str]], np.ndarray]:
    """The bundled ONNX graph with the heads' input added as an output: each text's sentence vector."""
    import json

    import onnx
    import onnxruntime

    from sentiment.models.char_vocab import CharVocab

    folder = ROOT / "models" / "bundled"
    graph = onnx.load(str(folder / "model.onnx"))
    vector = next(n.input[0] for n in graph.graph.node if n.op_type == "Gemm" and n.input[1].startswith("encoder.heads."))
    graph.graph.output.append(onnx.helper.make_tensor_value_info(vector, onnx.TensorProto.FLOAT, None))
    session = onnxruntime.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    vocab = CharVocab(json.loads((folder / "meta.json").read_text(encoding="utf-8"))["chars"])
    cache: dict[str, np.ndarray] = {}

    def vectors(texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in cache}, key=len)
        for start in range(0, len(missing), 64):
            part = missing[start:start + 64]
            (out,) = session.run([vector], {"ids": vocab.batch(part, 256)})
            for text, row in zip(part, out):
                cache[text] = row / np.linalg.norm(row)
        return np.stack([cache[t] for t in texts])

    return vectors


def bigru(vectors: Callable[[Sequence[str]], np.ndarray]) -> Method:
    def method(texts, labels, tests) -> list[str]:
        from scipy.sparse import csr_matrix

        classes = sorted(set(labels))
        weights, bias = logistic_regression(csr_matrix(vectors(texts)), np.array([classes.index(l) for l in labels]), len(classes))
        return [classes[at] for at in (vectors(tests) @ weights.T + bias).argmax(axis=1)]

    return method


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--shots", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()
    methods: dict[str, Method] = {"taught (shipped)": taught, "n-grams only": fixed(0.0),
                                  "n-grams + topic vectors": fixed(1.0), "reference 1–3-gram TF-IDF LR": reference,
                                  "BiGRU vector + LR": bigru(bigru_vectors())}
    lines = [f"`python benchmarks/few_shot.py` — mean accuracy on the test split over {args.draws} draws "
             "(± population standard deviation)\n"]
    timings: list[float] = []
    for task, rows in (("online_shopping_10_cats categories", shopping(args.datasets)),
                       ("bdci_car_2018 aspects", car_aspects(args.datasets))):
        pool = [(t, l) for t, l in rows if not is_test(normalise(t))]
        test = [(t, l) for t, l in rows if is_test(normalise(t))]
        labels = sorted({l for _, l in rows})
        by_label = {label: [t for t, l in pool if l == label] for label in labels}
        tests, truth = [t for t, _ in test], np.array([l for _, l in test])
        lines.append(f"### {task}: {len(labels)} labels, {len(test):,} test texts\n")
        lines.append("| examples per label | " + " | ".join(methods) + " |")
        lines.append("|---" * (len(methods) + 1) + "|")
        for shots in args.shots:
            scores: dict[str, list[float]] = {name: [] for name in methods}
            for draw in range(args.draws):
                pick = np.random.default_rng(draw)
                chosen = [(text, label) for label in labels
                          for text in pick.choice(by_label[label], size=shots, replace=False)]
                texts, wanted = [t for t, _ in chosen], [l for _, l in chosen]
                for name, method in methods.items():
                    scores[name].append(float((np.array(method(texts, wanted, tests)) == truth).mean()))
                if shots == 16:
                    started = time.perf_counter()
                    teach("timing", texts, wanted)
                    timings.append(time.perf_counter() - started)
            cells = [f"{statistics.mean(v):.1%} ± {statistics.pstdev(v):.1%}" for v in scores.values()]
            lines.append(f"| {shots} | " + " | ".join(cells) + " |")
            print(lines[-1], file=sys.stderr, flush=True)
        lines.append("")
    lines.append(f"Teaching (5-fold cross-validation of both candidates, then the final fit) from 16 examples for "
                 f"each of 10 labels: median {statistics.median(timings):.2f} s over {len(timings)} runs.\n")
    publish("\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
