"""Formats the evaluation as plain-text tables for the terminal."""

from __future__ import annotations

from bot.evaluation.language_group import GROUPS
from bot.evaluation.metrics import Scores
from bot.evaluation.scoring import ModelScores
from bot.evaluation.targets import Target

ENTITY_NOTE = (
    "entities: (entity, canonical value) multisets matched per message; `language` ignored; "
    "the stock recipe has no value normalisation beyond synonyms seen in training"
)


def _prf(scores: Scores | None) -> str:
    """'P / R / F1' or dashes when the model never produced nor missed the type."""
    if scores is None:
        return f"{'-':>5} / {'-':>5} / {'-':>5}"
    return f"{scores.precision:5.3f} / {scores.recall:5.3f} / {scores.f1:5.3f}"


def intent_table(ours: ModelScores, stock: ModelScores) -> list[str]:
    """Accuracy and macro-F1, overall and per language group, both models side by side."""
    lines = [
        f"{'Intents':<14}{'n':>5}   {'ours acc':>8} {'ours F1':>8}   {'stock acc':>9} {'stock F1':>8}",
    ]
    rows = [("all", ours.overall, stock.overall)]
    rows += [(g, ours.groups[g], stock.groups[g]) for g in GROUPS]
    for name, mine, theirs in rows:
        lines.append(
            f"  {name:<12}{mine.count:>5}   {mine.accuracy:>8.3f} {mine.macro_f1:>8.3f}"
            f"   {theirs.accuracy:>9.3f} {theirs.macro_f1:>8.3f}"
        )
    lines.append(
        f"  nlu_fallback predictions (counted as wrong): ours {ours.fallbacks}, stock {stock.fallbacks}"
    )
    return lines


def per_intent_table(ours: ModelScores, stock: ModelScores) -> list[str]:
    """F1 per intent, both models."""
    lines = [f"{'Per intent (F1)':<24}{'n':>5}   {'ours':>6} {'stock':>6}"]
    for intent, mine in ours.overall.per_intent.items():
        theirs = stock.overall.per_intent.get(intent)
        stock_f1 = f"{theirs.f1:6.3f}" if theirs else f"{'-':>6}"
        lines.append(f"  {intent:<22}{mine.support:>5}   {mine.f1:6.3f} {stock_f1}")
    return lines


def entity_table(ours: ModelScores, stock: ModelScores) -> list[str]:
    """Entity precision / recall / F1 per type, both models."""
    width = len(_prf(None))
    lines = [f"{'Entities (P / R / F1)':<22}{'n':>5}   {'ours':<{width}}   {'stock':<{width}}"]
    types = [*sorted((set(ours.entities) | set(stock.entities)) - {"all"}), "all"]
    for entity in types:
        support = (ours.entities.get(entity) or stock.entities[entity]).support
        lines.append(
            f"  {entity:<20}{support:>5}   {_prf(ours.entities.get(entity))}"
            f"   {_prf(stock.entities.get(entity))}"
        )
    lines.append(f"  ({ENTITY_NOTE})")
    return lines


def confusion_lines(ours: ModelScores, limit: int = 10) -> list[str]:
    """The commonest intent confusions of our model."""
    if not ours.confusions:
        return ["Confusions (ours): none"]
    lines = ["Commonest confusions (ours): gold -> predicted"]
    lines += [f"  {n:>3}  {gold} -> {predicted}" for gold, predicted, n in ours.confusions[:limit]]
    return lines


def target_lines(targets: list[Target]) -> list[str]:
    """Each target with its figure and PASS/MISS."""
    lines = ["Targets"]
    lines += [f"  [{'PASS' if t.met else 'MISS'}] {t.name}: {t.figure}" for t in targets]
    return lines
