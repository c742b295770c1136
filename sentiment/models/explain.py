"""Why an answer is what it is: each sentence of a text read on its own, and whether they disagree.

Every answer gets ``sentences`` (``sentences.cut``: offsets into the text as sent, the sentence's
label, polarity and confidence) and ``mixed``: true when one sentence is confidently positive and
another confidently negative, at ``MIXED_CONFIDENCE`` or more each. That threshold was measured on the
training half of the restaurant aspect sentences (130.Chinese_Zhang: a sentence whose opinion triplets
are both POS and NEG is mixed): ``python benchmarks/mixed.py`` tries 0.50 to 0.95 on the training half
and reports the best on the test half (``benchmarks/results/mixed.md``). For the default model the best
is 0.55, at F1 0.39 (precision 46%, recall 34%): most mixed sentences there praise and criticise within
one clause, which sentence cutting cannot separate; cutting at every comma too lifts F1 only to 0.40. Each sentence is read by the same model in the same pass
as the whole texts (one length-sorted run over windows and sentences), so a request costs one model pass;
a text of one sentence is not read twice. The whole text's own verdict stays the mean of its windows:
every rule that weighed its sentences instead lost accuracy on long reviews (``benchmarks/long_verdict.py``).
"""
from __future__ import annotations

from typing import Sequence

from sentiment.models.sentences import cut
from sentiment.models.service import SentimentService

MIXED_CONFIDENCE = 0.55  # measured: benchmarks/mixed.py


def mixed(sentences: Sequence[dict], threshold: float = MIXED_CONFIDENCE) -> bool:
    """Whether some sentence is confidently Positive and another confidently Negative."""
    sure = {s["sentiment"] for s in sentences if s["sentiment"] in ("Positive", "Negative") and s["confidence"] >= threshold}
    return sure == {"Positive", "Negative"}


def reason(answer: dict) -> str:
    """The sentence that decided the verdict, for a file's one column: the most confident sentence that
    agrees with the whole text's label (the most confident of all when none agrees)."""
    agreeing = [s for s in answer["sentences"] if s["label"] == answer["label"]] or answer["sentences"]
    return max(agreeing, key=lambda s: s["confidence"])["text"]


def analyse_with_sentences(service: SentimentService, texts: Sequence[str], deadline: float | None = None) -> list[dict]:
    """``service.analyse``'s answers, each with its ``sentences`` and ``mixed``, from one model pass."""
    spans = [cut(text) for text in texts]
    pieces = [[text[start:end] for start, end in found] if len(found) > 1 else [] for text, found in zip(texts, spans)]
    everything = list(texts) + [piece for parts in pieces for piece in parts]
    answers = service.analyse(everything, deadline, counted=len(texts))
    whole, rest = answers[: len(texts)], iter(answers[len(texts):])
    for answer, text, found, parts in zip(whole, texts, spans, pieces):
        read = [next(rest) for _ in parts] or [answer]
        answer["sentences"] = [
            {"start": start, "end": end, "text": text[start:end], "label": one["label"],
             "sentiment": one["sentiment"], "confidence": one["confidence"]}
            for (start, end), one in zip(found or [(0, len(text))], read)]
        answer["mixed"] = mixed(answer["sentences"])
    return answers[: len(texts)]

