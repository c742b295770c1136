"""mT5's generative zero-shot classification: the model writes a label, which is mapped back to one of yours.

``damo/nlp_mt5_zero-shot-augment_chinese-base`` reads a prompt that lists the candidate labels and
answers in free text through ``modelscope.pipelines.pipeline(Tasks.text2text_generation)``. Free text
can miss: the answer is mapped to the label it equals, else one it contains or is contained in (the
longest), else the most similar (difflib's ratio), and the result says whether it was mapped and what
was written. There are no probabilities behind a generated answer, so the chosen label scores 1 and
the others 0; multi-label and hypothesis templates have no meaning here and are refused.
"""
from __future__ import annotations

import difflib
import os
import threading
from pathlib import Path
from typing import Sequence

from sentiment.models.custom.answer import ranked
from sentiment.models.deadline import check

PROMPT = "文本分类。\n候选标签：{labels}。\n文本内容：{text}"
TASK = "text2text-generation"


class UnsupportedOption(ValueError):
    """A request option the generative model cannot honour; ``code`` is stable, ``message`` Chinese."""

    code = "unsupported_option"


def map_answer(written: str, labels: Sequence[str]) -> tuple[str, bool]:
    """(the label the answer means, whether it had to be mapped rather than matched exactly)."""
    answer = written.strip().strip("。.，,！!")
    if answer in labels:
        return answer, False
    overlapping = [label for label in labels if label in answer or (answer and answer in label)]
    if overlapping:
        return max(overlapping, key=len), True
    return max(labels, key=lambda label: difflib.SequenceMatcher(None, answer, label).ratio()), True


class GenerativeClassifier:
    def __init__(self, model_dir: Path, name: str, threads: int | None = None):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from modelscope.pipelines import pipeline
        from modelscope.utils.constant import Tasks

        if threads:
            torch.set_num_threads(threads)
        self.pipeline = pipeline(Tasks.text2text_generation, model=str(model_dir), device="cpu")  # pragma: no mutate: no GPU to tell
        self.name = name
        self._lock = threading.Lock()  # one generation at a time: the tokenizer is shared

    def classify(self, texts: Sequence[str], labels: Sequence[str], template: str | None,
                 multi_label: bool, deadline: float | None = None) -> list[dict]:
        if multi_label or template is not None:
            raise UnsupportedOption(f"{self.name} 是生成式模型，不支持 multi_label 和 hypothesis_template。")
        answers = []
        for text in texts:
            check(deadline)
            with self._lock:
                written = self.pipeline(PROMPT.format(labels=",".join(labels), text=text))["text"]
            label, mapped = map_answer(written, labels)
            answer = ranked(text, {other: float(other == label) for other in labels}, self.name, False)
            answers.append({**answer, "generated": written, "mapped": mapped})
        return answers
