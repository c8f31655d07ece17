"""Intent and entity scores from gold and predicted labels (pure functions, no Rasa)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from bot.constants import Intent

FALLBACK = Intent.NLU_FALLBACK.value


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of one label, with its gold count (support)."""

    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict[str, float | int]:
        """The scores as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class IntentScores:
    """Accuracy, macro-F1 and per-intent scores over a set of examples."""

    count: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, Scores]

    def as_dict(self) -> dict[str, object]:
        """The scores as a JSON-ready dict."""
        return {
            "count": self.count,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_intent": {k: v.as_dict() for k, v in self.per_intent.items()},
        }


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts; 0.0 where a denominator is 0."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def intent_scores(gold: Sequence[str], predicted: Sequence[str]) -> IntentScores:
    """Accuracy and macro-F1 over the gold intents present.

    A prediction of nlu_fallback is wrong: a miss for the gold intent, and (as nlu_fallback is never
    gold) a false positive of no intent. Macro-F1 averages over the intents that occur in `gold`.
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    if not gold:
        return IntentScores(0, 0.0, 0.0, {})
    pairs = list(zip(gold, predicted, strict=True))
    per_intent: dict[str, Scores] = {}
    for label in sorted(set(gold)):
        tp = sum(g == label and p == label for g, p in pairs)
        fp = sum(g != label and p == label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        per_intent[label] = Scores(*prf(tp, fp, fn), support=tp + fn)
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    macro_f1 = sum(s.f1 for s in per_intent.values()) / len(per_intent)
    return IntentScores(len(pairs), accuracy, macro_f1, per_intent)


def entity_scores(
    gold: Sequence[Iterable[tuple[str, str]]], predicted: Sequence[Iterable[tuple[str, str]]]
) -> dict[str, Scores]:
    """Per entity type (and "all", micro-averaged): P/R/F1 matching (entity, value) multisets per example."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold_pairs, predicted_pairs in zip(gold, predicted, strict=True):
        expected, found = Counter(gold_pairs), Counter(predicted_pairs)
        for key in expected.keys() | found.keys():
            entity = key[0]
            hits = min(expected[key], found[key])
            tp[entity] += hits
            fp[entity] += found[key] - hits
            fn[entity] += expected[key] - hits
    scores = {
        entity: Scores(*prf(tp[entity], fp[entity], fn[entity]), support=tp[entity] + fn[entity])
        for entity in sorted(set(tp) | set(fp) | set(fn))
    }
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    scores["all"] = Scores(*prf(total_tp, total_fp, total_fn), support=total_tp + total_fn)
    return scores


def confusion_counts(gold: Sequence[str], predicted: Sequence[str]) -> tuple[list[str], list[list[int]]]:
    """Labels (gold intents, then any other predicted label) and the matrix counts[gold][predicted]."""
    labels = sorted(set(gold))
    labels += sorted(set(predicted) - set(labels))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return labels, matrix
