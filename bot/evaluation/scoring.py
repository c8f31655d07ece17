"""Scores one model's predictions on the held-out examples: overall, per language group, entities."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.evaluation.holdout import Example
from bot.evaluation.language_group import GROUPS, language_group
from bot.evaluation.metrics import FALLBACK, IntentScores, Scores, entity_scores, intent_scores
from bot.evaluation.predict import Prediction


@dataclass(frozen=True)
class ModelScores:
    """Everything `bot eval` reports for one model."""

    overall: IntentScores
    groups: dict[str, IntentScores]
    entities: dict[str, Scores]
    fallbacks: int
    confusions: list[tuple[str, str, int]]

    def as_dict(self) -> dict[str, object]:
        """The scores as a JSON-ready dict."""
        return {
            "intents": self.overall.as_dict(),
            "groups": {g: s.as_dict() for g, s in self.groups.items()},
            "entities": {e: s.as_dict() for e, s in self.entities.items()},
            "fallbacks": self.fallbacks,
            "confusions": [{"gold": g, "predicted": p, "count": n} for g, p, n in self.confusions],
        }


def score(examples: Sequence[Example], predictions: Sequence[Prediction]) -> ModelScores:
    """Intent scores overall and per language group, entity scores, and the commonest confusions."""
    if len(examples) != len(predictions):
        raise ValueError("one prediction per example expected")
    gold = [e.intent for e in examples]
    predicted = [p.intent for p in predictions]
    groups = [language_group(e.text) for e in examples]
    per_group = {}
    for group in GROUPS:
        chosen = [i for i, g in enumerate(groups) if g == group]
        per_group[group] = intent_scores([gold[i] for i in chosen], [predicted[i] for i in chosen])
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return ModelScores(
        overall=intent_scores(gold, predicted),
        groups=per_group,
        entities=entity_scores([e.entities for e in examples], [p.entities for p in predictions]),
        fallbacks=predicted.count(FALLBACK),
        confusions=[(g, p, n) for (g, p), n in confusions.most_common()],
    )
