"""The e5 encoder's two uses: a classifier (mean pooling, as e5 was trained with, and one linear head per
task) and the untuned embedder that scores typed labels.

Mean pooling over the text's own pieces (not the first token) is how e5's sentence vectors are
made, so the heads start from the representation the pretraining shaped.
"""
from __future__ import annotations

import torch
from torch import nn

from sentiment.training.e5_encoder import E5Encoder, mean_pool


class Classifier(nn.Module):
    def __init__(self, encoder: E5Encoder, heads: dict[str, int], dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        hidden = encoder.word.embedding_dim
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, size) for name, size in heads.items()})

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        vector = self.dropout(mean_pool(self.encoder(ids, mask), mask))
        return {name: head(vector) for name, head in self.heads.items()}


class Embedder(nn.Module):
    """The untuned encoder's sentence vector, as e5 makes it: mean-pooled, L2-normalised (typed labels)."""

    def __init__(self, encoder: E5Encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(mean_pool(self.encoder(ids, mask), mask), dim=-1)
