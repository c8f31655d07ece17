"""Formats the real-text evaluation (per file, ours beside the stock recipe) for the terminal."""

from __future__ import annotations

from bot.evaluation.realworld_intake import IntakeFigures
from bot.evaluation.realworld_scoring import RealScores


def real_table(scores: dict[str, tuple[RealScores, RealScores]]) -> list[str]:
    """Recognised-as-complaint and acceptable-category shares per file, both models."""
    lines = [
        f"{'Real complaints':<16}{'n':>6}   {'ours compl':>10} {'ours categ':>10}"
        f"   {'stock compl':>11} {'stock categ':>11}"
    ]
    for name, (ours, stock) in scores.items():
        lines.append(
            f"  {name:<14}{ours.count:>6}   {ours.recognised_share:>10.1%} {ours.acceptable_share:>10.1%}"
            f"   {stock.recognised_share:>11.1%} {stock.acceptable_share:>11.1%}"
        )
    lines.append(
        "  (compl: predicted as any of the four complaint intents; categ: among the rows whose source label "
        "maps to our categories, predicted as one that fits)"
    )
    return lines


def rest_lines(scores: dict[str, tuple[RealScores, RealScores]], limit: int = 6) -> list[str]:
    """What the rows not recognised as complaints became, per file and model."""
    lines = ["Not recognised as complaints became (count)"]
    for name, pair in scores.items():
        for model, result in zip(("ours", "stock"), pair, strict=True):
            rest = ", ".join(f"{intent} {n}" for intent, n in result.rest[:limit]) or "-"
            lines.append(f"  {name:<14}{model:<6} {rest}")
    return lines


def intake_table(figures: dict[str, IntakeFigures]) -> list[str]:
    """Per file: reached a ticket, acceptable category, median customer turns."""
    lines = [f"{'Real openings, end to end':<28}{'n':>4}   {'ticket':>7} {'categ':>7} {'median turns':>13}"]
    for name, f in figures.items():
        ticket = f.ticketed / f.count if f.count else 0.0
        categ = f.acceptable / f.mapped if f.mapped else 0.0
        lines.append(f"  {name:<26}{f.count:>4}   {ticket:>7.0%} {categ:>7.0%} {f.median_turns:>13.1f}")
    lines.append(
        "  (web channel, our full model; the customer answers every question, presses the clarifying button "
        "that fits the source label, confirms the summary)"
    )
    return lines
