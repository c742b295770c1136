"""StructBERT on CPU: PyTorch FP32 vs ONNX Runtime FP32 vs ONNX Runtime INT8, in one run.

``python benchmarks/speed.py [--out benchmarks/results]`` builds a randomly initialised
model of StructBERT-base shape (12 layers, hidden 768, 12 heads, vocabulary 21128; speed
does not depend on the weights), exports it both ways, and times each engine through its
serving backend (tokenizer included): per-text latency at 16/64/256/512 tokens, batch 1,
and texts/second at batch 8 and 32 (64 tokens). Rounds alternate between engines so that
noise on a shared machine hits all of them alike, with a pause before each timed call so that
the previous engine's thread pool has stopped spinning (OpenMP and ONNX Runtime both spin
after a call, and on two cores that would slow whichever engine runs next). Prints a markdown table and writes
``speed.md``, ``speed.json`` and ``speed.png`` to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.models.backends.modelscope_pipeline import ModelScopeBackend  # noqa: E402
from sentiment.models.backends.onnx_runtime import OnnxBackend  # noqa: E402
from sentiment.models.onnx_export import export  # noqa: E402
from sentiment.models.structbert_dir import write_structbert_dir  # noqa: E402

LENGTHS = {16: 40, 64: 30, 256: 12, 512: 8}  # tokens: timed rounds
BATCHES = {8: 8, 32: 4}  # batch size at 64 tokens: timed rounds
BASE = dict(hidden=768, layers=12, heads=12, vocab_size=21128)
PAUSE_S = 0.25


def text_of(tokens: int, seed: int) -> str:
    """A text that tokenizes to exactly ``tokens`` tokens with [CLS] and [SEP]: one per CJK character."""
    return "".join(chr(0x4E00 + (seed * 7919 + i * 31) % 20000) for i in range(tokens - 2))


def timed(backend, texts: list[str]) -> float:
    time.sleep(PAUSE_S)
    started = time.perf_counter()
    backend.predict(texts)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def machine() -> dict:
    import onnxruntime
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "onnxruntime": onnxruntime.__version__, "onnxruntime_threads": os.cpu_count(),
            "python": platform.python_version(), "pause_before_each_call_s": PAUSE_S}


def build_engines(scratch: Path) -> dict:
    """PyTorch, ONNX FP32 and ONNX INT8 backends of one random StructBERT-base-shaped model."""
    source = write_structbert_dir(scratch / "structbert-base-random", **BASE)
    return {
        "PyTorch FP32": ModelScopeBackend(source, "pytorch"),
        "ONNX Runtime FP32": OnnxBackend(export(source, scratch / "fp32"), os.cpu_count()),
        "ONNX Runtime INT8": OnnxBackend(export(source, scratch / "int8", int8=True), os.cpu_count()),
    }


def measure(engines: dict) -> dict:
    results = {name: {"latency_ms": {}, "texts_per_second": {}} for name in engines}
    for tokens, rounds in LENGTHS.items():
        samples = {name: [] for name in engines}
        for r in range(rounds + 2):
            for name, backend in engines.items():
                seconds = timed(backend, [text_of(tokens, r)])
                if r >= 2:  # two warm-up rounds
                    samples[name].append(seconds * 1000)
        for name, values in samples.items():
            results[name]["latency_ms"][tokens] = {"p50": statistics.median(values), "p99": percentile(values, 0.99)}
    for batch, rounds in BATCHES.items():
        samples = {name: [] for name in engines}
        for r in range(rounds + 1):
            texts = [text_of(64, r * batch + i) for i in range(batch)]
            for name, backend in engines.items():
                seconds = timed(backend, texts)
                if r >= 1:
                    samples[name].append(batch / seconds)
        for name, values in samples.items():
            results[name]["texts_per_second"][batch] = statistics.median(values)
    return results


def table(results: dict, reference: str) -> str:
    head = ["engine"] + [f"{t} tok p50 / p99 ms" for t in LENGTHS] + [f"batch {b} texts/s" for b in BATCHES] + [
        "speed-up at 64 tok"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    base = results[reference]["latency_ms"][64]["p50"]
    for name, r in results.items():
        cells = [f"{r['latency_ms'][t]['p50']:.1f} / {r['latency_ms'][t]['p99']:.1f}" for t in LENGTHS]
        cells += [f"{r['texts_per_second'][b]:.1f}" for b in BATCHES]
        cells.append(f"{base / r['latency_ms'][64]['p50']:.2f}x")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / len(results)
    for i, (name, r) in enumerate(results.items()):
        left.bar([x + i * width for x in range(len(LENGTHS))], [r["latency_ms"][t]["p50"] for t in LENGTHS],
                 width, label=name)
        right.bar([x + i * width for x in range(len(BATCHES))], [r["texts_per_second"][b] for b in BATCHES],
                  width, label=name)
    left.set_xticks([x + 0.4 - width / 2 for x in range(len(LENGTHS))], [f"{t} tokens" for t in LENGTHS])
    left.set_ylabel("p50 latency per text, ms (batch 1)")
    left.set_yscale("log")
    right.set_xticks([x + 0.4 - width / 2 for x in range(len(BATCHES))], [f"batch {b}" for b in BATCHES])
    right.set_ylabel("texts / second (64 tokens)")
    left.legend()
    fig.suptitle("StructBERT-base shape on CPU")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        results = measure(build_engines(Path(scratch)))
    info = machine()
    markdown = (f"Machine: {info['cpu']}, {info['cores']} cores; torch {info['torch']} with {info['torch_threads']} "
                f"threads, onnxruntime {info['onnxruntime']} with {info['onnxruntime_threads']} threads, Python {info['python']}; "
                f"{PAUSE_S} s pause before each timed call; `python benchmarks/speed.py`.\n\n"
                + table(results, "PyTorch FP32") + "\n")
    print(markdown)
    (args.out / "speed.md").write_text(markdown, encoding="utf-8")
    (args.out / "speed.json").write_text(json.dumps({"machine": info, "results": results}, indent=2), encoding="utf-8")
    chart(results, args.out / "speed.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
