"""Zero-shot into labels fixed for a whole job, in the shape of a taught classifier (``name``,
``labels``, ``predict``), so that tagging a table adds a second set of columns the same way
whichever kind of classifier answers."""
from __future__ import annotations

from typing import Protocol, Sequence

from sentiment.models.prediction import Prediction


class ZeroShotModel(Protocol):
    def classify(self, texts: Sequence[str], labels: Sequence[str], template: str | None,
                 multi_label: bool) -> list[dict]:
        ...


class FixedLabels:
    name = "zero_shot"

    def __init__(self, model: ZeroShotModel, labels: Sequence[str], template: str | None = None,
                 multi_label: bool = False):
        """Refuses options the model cannot honour now rather than on the job's first chunk: a
        model checks its options before it reads any text, so classifying no text checks them."""
        self.model, self.labels, self.template, self.multi_label = model, tuple(labels), template, multi_label
        model.classify([], self.labels, template, multi_label)

    def decide(self, texts: Sequence[str], predictions: Sequence[Prediction], threshold: float | None = None
               ) -> list[str]:
        """Zero-shot labels have no 其他: each label stands (the same call as a taught classifier's)."""
        return [prediction.label for prediction in predictions]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return [Prediction(answer["label"], answer["scores"])
                for answer in self.model.classify(texts, self.labels, self.template, self.multi_label)]
