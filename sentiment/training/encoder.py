"""The bundled neural model: a character BiGRU encoder that reads order, with one head per task.

Why a GRU: the n-gram model cannot tell that 但是 turns around what came before it;
a recurrent encoder reads the whole sentence in order, and attention pooling lets a
head weigh the clause after a turn more than the one before it.

Why two one-way GRUs instead of ``bidirectional=True``: in a padded batch the
backward direction of a built-in BiGRU starts on the padding, so a text's answer
would depend on its batch-mates. Here the backward GRU reads each text reversed up to
its own length (a gather), so every answer is exactly the answer the text gets
alone, in training, in the ONNX export and in the service.
"""
from __future__ import annotations

import torch
from torch import nn

from sentiment.models.char_vocab import PAD


class Encoder(nn.Module):
    def __init__(self, vocab_size: int, heads: dict[str, int], embedding: int = 128, hidden: int = 160,
                 dropout: float = 0.3):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embedding, padding_idx=PAD)
        self.forward_gru = nn.GRU(embedding, hidden, batch_first=True)
        self.backward_gru = nn.GRU(embedding, hidden, batch_first=True)
        self.attend = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(4 * hidden, size) for name, size in heads.items()})

    def read(self, ids: torch.Tensor, embedded: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Both GRUs over a padded batch: forward states, backward states in the backward GRU's own
        reading order, and the per-text reversal index that maps between the two orders."""
        lengths = (ids != PAD).sum(dim=1, keepdim=True)
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        # Each text reversed within its own length; padding stays where it is.
        reverse = torch.where(positions < lengths, lengths - 1 - positions, positions)
        # An explicit zero start state, so the ONNX graph takes its batch size from the input.
        start = embedded.new_zeros((1, ids.shape[0], self.forward_gru.hidden_size))
        ahead, _ = self.forward_gru(embedded, start)
        back, _ = self.backward_gru(torch.gather(embedded, 1, reverse.unsqueeze(2).expand_as(embedded)), start)
        return ahead, back, reverse

    def encode(self, ids: torch.Tensor) -> torch.Tensor:
        """(batch, 4 * hidden) sentence vectors: attention-pooled and max-pooled states of both directions."""
        mask = ids != PAD
        ahead, back, reverse = self.read(ids, self.dropout(self.embed(ids)))
        back = torch.gather(back, 1, reverse.unsqueeze(2).expand_as(back))
        states = torch.cat([ahead, back], dim=2)
        weights = self.attend(states).squeeze(2).masked_fill(~mask, -1e4).softmax(dim=1)
        attended = (weights.unsqueeze(2) * states).sum(dim=1)
        peak = states.masked_fill(~mask.unsqueeze(2), -1e4).max(dim=1).values
        return self.dropout(torch.cat([attended, peak], dim=1))

    def forward(self, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        vector = self.encode(ids)
        return {name: head(vector) for name, head in self.heads.items()}


class Calibrated(nn.Module):
    """The export wrapper: logits of every head divided by its dev-fitted temperature, in a fixed order.

    It wraps any model whose forward answers a dict of head logits (the BiGRU, the transformer)."""

    def __init__(self, encoder: nn.Module, temperatures: dict[str, float]):
        super().__init__()
        self.encoder = encoder
        self.names = list(temperatures)
        self.temperatures = [temperatures[name] for name in self.names]

    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits = self.encoder(*inputs)
        return tuple(logits[name] / temperature for name, temperature in zip(self.names, self.temperatures))
