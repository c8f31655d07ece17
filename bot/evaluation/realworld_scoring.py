"""Scores predictions on real complaints: recognised as complaints, acceptable category, the rest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.evaluation.categories import COMPLAINT_INTENTS
from bot.evaluation.realworld import RealComplaint, language_of_file
from bot.evaluation.realworld_intake import IntakeFigures
from bot.evaluation.targets import Target

MIN_RECOGNISED = {"zh": 0.95, "en": 0.90}
MIN_ACCEPTABLE = 0.80
MIN_TICKETED = 0.95
MAX_MEDIAN_TURNS = 5


@dataclass(frozen=True)
class RealScores:
    """One model on one file."""

    count: int
    recognised: int
    mapped: int  # rows whose label maps to at least one of our categories
    acceptable: int
    rest: list[tuple[str, int]]  # what the rows not recognised as complaints became, commonest first

    @property
    def recognised_share(self) -> float:
        """Share of rows predicted as any complaint intent."""
        return self.recognised / self.count if self.count else 0.0

    @property
    def acceptable_share(self) -> float:
        """Share of mapped rows predicted as one of their acceptable categories."""
        return self.acceptable / self.mapped if self.mapped else 0.0

    def as_dict(self) -> dict[str, object]:
        """The scores as a JSON-ready dict."""
        return {
            "count": self.count,
            "recognised": self.recognised,
            "recognised_share": self.recognised_share,
            "mapped": self.mapped,
            "acceptable": self.acceptable,
            "acceptable_share": self.acceptable_share,
            "rest": dict(self.rest),
        }


def score_real(rows: Sequence[RealComplaint], intents: Sequence[str]) -> RealScores:
    """Recognised, acceptable and the rest for one model's predicted intents on one file's rows."""
    if len(rows) != len(intents):
        raise ValueError("one intent per row expected")
    pairs = list(zip(rows, intents, strict=True))
    mapped = [(r, i) for r, i in pairs if r.acceptable is not None]
    return RealScores(
        count=len(pairs),
        recognised=sum(i in COMPLAINT_INTENTS for i in intents),
        mapped=len(mapped),
        acceptable=sum(i in (r.acceptable or ()) for r, i in mapped),
        rest=Counter(i for i in intents if i not in COMPLAINT_INTENTS).most_common(),
    )


def real_targets(name: str, scores: RealScores) -> list[Target]:
    """Per file: recognised >= 95% (zh) / 90% (en); acceptable category >= 80%."""
    minimum = MIN_RECOGNISED[language_of_file(name)]
    return [
        Target(
            f"{name}: recognised as complaints >= {minimum:.0%}",
            f"{scores.recognised_share:.1%} ({scores.recognised}/{scores.count})",
            scores.recognised_share >= minimum,
        ),
        Target(
            f"{name}: acceptable category >= {MIN_ACCEPTABLE:.0%}",
            f"{scores.acceptable_share:.1%} ({scores.acceptable}/{scores.mapped})",
            scores.acceptable_share >= MIN_ACCEPTABLE,
        ),
    ]


def intake_targets(name: str, figures: IntakeFigures) -> list[Target]:
    """End to end per file: >= 95% reach a ticket, >= 80% acceptable category, median <= 5 turns."""
    ticket = figures.ticketed / figures.count if figures.count else 0.0
    categ = figures.acceptable / figures.mapped if figures.mapped else 0.0
    return [
        Target(
            f"{name} end to end: ticket >= {MIN_TICKETED:.0%}",
            f"{ticket:.0%} ({figures.ticketed}/{figures.count})",
            ticket >= MIN_TICKETED,
        ),
        Target(
            f"{name} end to end: acceptable category >= 80%",
            f"{categ:.0%} ({figures.acceptable}/{figures.mapped})",
            categ >= MIN_ACCEPTABLE,
        ),
        Target(
            f"{name} end to end: median turns <= {MAX_MEDIAN_TURNS}",
            f"{figures.median_turns:.1f}",
            figures.median_turns <= MAX_MEDIAN_TURNS,
        ),
    ]
