"""Write a randomly initialised T5 text2text directory that ModelScope's text2text pipeline loads.

mT5's zero-shot classifier (``damo/nlp_mt5_zero-shot-augment_chinese-base``) cannot be downloaded
here, so tests write a tiny T5 in the same layout: ModelScope's configuration.json (task
``text2text-generation``, preprocessor ``text2text-gen-preprocessor``), transformers' config.json,
safetensors weights, and a character-level tokenizer (a ``tokenizers`` unigram model over the CJK
block, ASCII and punctuation) instead of mT5's 250k sentencepiece vocabulary.
"""
from __future__ import annotations

import json
from pathlib import Path

SPECIAL = ["<pad>", "</s>", "<unk>"]  # T5's ids 0, 1, 2


def write_t5_dir(out: Path, width: int = 32, layers: int = 2, seed: int = 0) -> Path:
    import torch
    from modelscope.models.nlp.T5 import T5ForConditionalGeneration
    from safetensors.torch import save_model
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast, T5Config

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    characters = dict.fromkeys(list("，。：；！？、,.:;!?") + [chr(c) for c in range(0x4E00, 0x9FA6)]
                               + [chr(c) for c in range(33, 127)])
    vocab = [(token, 0.0) for token in SPECIAL] + [("▁", -2.0)] + [(char, -5.0) for char in characters]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=2))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="</s>", unk_token="<unk>",
                            pad_token="<pad>").save_pretrained(str(out))
    config = T5Config(vocab_size=len(vocab), d_model=width, d_kv=width // 4, d_ff=width * 2, num_layers=layers,
                      num_heads=4, decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    torch.manual_seed(seed)
    config.save_pretrained(str(out))
    save_model(T5ForConditionalGeneration(config).eval(), str(out / "model.safetensors"), metadata={"format": "pt"})
    configuration = {"framework": "pytorch", "task": "text2text-generation", "model": {"type": "T5"},
                     "pipeline": {"type": "text2text-generation"},
                     "preprocessor": {"type": "text2text-gen-preprocessor"}}
    (out / "configuration.json").write_text(json.dumps(configuration, indent=2), encoding="utf-8")
    return out
