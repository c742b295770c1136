"""Write a randomly initialised model directory in the published StructBERT layout.

The published weights cannot be downloaded here, so tests and benchmarks build a
directory that ModelScope loads exactly as it loads the real one (configuration.json,
config.json, vocab.txt, weights), only small or random. Speed does not depend on the
weights, so the benchmark uses the same writer at full StructBERT-base shape.
"""
from __future__ import annotations

import json
from pathlib import Path

# Enough of the Chinese BERT vocabulary for realistic tokenisation in tests:
# special tokens, ASCII, punctuation, and the CJK block in code-point order.
_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _vocab(size: int) -> list[str]:
    tokens = list(_SPECIAL)
    tokens += [chr(c) for c in range(33, 127)]
    tokens += list("，。！？、；：“”‘’（）《》…—～")
    tokens += [chr(c) for c in range(0x4E00, 0x9FA6)]
    tokens = list(dict.fromkeys(tokens))
    if size <= len(tokens):
        return tokens[:size]
    return tokens + [f"[unused{i}]" for i in range(size - len(tokens))]


# configuration.json's task, pipeline and preprocessor, as the published models declare them. The
# zero-shot preprocessor must be named: without it ModelScope picks the text-classification tokenizer.
CONFIGURATIONS = {
    "sentiment": {
        "task": "text-classification",
        "pipeline": {"type": "sentiment-classification"},
        "preprocessor": {"type": "sen-cls-tokenizer", "first_sequence": "first_sequence"},
    },
    "zero-shot": {
        "task": "zero-shot-classification",
        "pipeline": {"type": "zero-shot-classification"},
        "preprocessor": {"type": "zero-shot-cls-tokenizer"},
    },
}
NLI_LABELS = ("entailment", "neutral", "contradiction")  # the published zero-shot models' order


def write_structbert_dir(
    out: Path,
    labels: tuple[str, ...] = ("负面", "正面"),
    hidden: int = 32,
    layers: int = 2,
    heads: int = 2,
    vocab_size: int = 21128,
    max_positions: int = 512,
    seed: int = 0,
    init_std: float | None = None,
    task: str = "sentiment",
) -> Path:
    """Create ``out`` as a StructBERT classification directory with random weights: a sentiment model, or
    with ``task="zero-shot"`` and ``labels=NLI_LABELS`` the layout of the zero-shot models.

    ``init_std`` redraws every weight matrix from N(0, init_std): at the default 0.02 a tiny
    random model answers about 50/50 for everything, and a parity test needs clear margins."""
    import torch
    from safetensors.torch import save_file
    from modelscope.models.nlp.structbert import SbertConfig, SbertForSequenceClassification

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    id2label = {i: label for i, label in enumerate(labels)}
    config = SbertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=hidden * 4,
        max_position_embeddings=max_positions,
        num_labels=len(labels),
        id2label=id2label,
        label2id={label: i for i, label in id2label.items()},
    )
    torch.manual_seed(seed)
    model = SbertForSequenceClassification(config)
    model.eval()
    if init_std is not None:
        with torch.no_grad():
            for parameter in model.parameters():
                if parameter.dim() > 1:
                    parameter.normal_(0.0, init_std)
    config.save_pretrained(str(out))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "vocab.txt").write_text("\n".join(_vocab(vocab_size)) + "\n", encoding="utf-8")
    configuration = {"framework": "pytorch", "model": {"type": "structbert"}, **CONFIGURATIONS[task]}
    (out / "configuration.json").write_text(json.dumps(configuration, ensure_ascii=False, indent=2), encoding="utf-8")
    return out
