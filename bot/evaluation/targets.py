"""The acceptance targets of the held-out evaluation, checked against the scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.evaluation.language_group import MIXED, TRADITIONAL, ZH
from bot.evaluation.scoring import ModelScores

MIN_MACRO_F1 = 0.95
MAX_GAP_TO_ZH = 0.03  # 3 points of macro-F1


@dataclass(frozen=True)
class Target:
    """One target: what is required, the figure it is checked on, and whether it is met."""

    name: str
    figure: str
    met: bool

    def as_dict(self) -> dict[str, object]:
        """The target as a JSON-ready dict."""
        return asdict(self)


def _gap_target(ours: ModelScores, group: str, label: str) -> Target:
    """`group`'s macro-F1 is at most 3 points below zh's."""
    zh, other = ours.groups[ZH].macro_f1, ours.groups[group].macro_f1
    gap = (other - zh) * 100
    return Target(
        f"{label} macro-F1 within {MAX_GAP_TO_ZH * 100:.0f} points of zh",
        f"{other:.3f} vs zh {zh:.3f} ({gap:+.1f} points)",
        zh - other <= MAX_GAP_TO_ZH + 1e-9,
    )


def check_targets(ours: ModelScores, stock: ModelScores) -> list[Target]:
    """The targets: macro-F1 >= 0.95; Traditional and mixed within 3 points of zh; ours beats stock."""
    f1, stock_f1 = ours.overall.macro_f1, stock.overall.macro_f1
    return [
        Target(f"macro-F1 >= {MIN_MACRO_F1:.2f}", f"{f1:.3f}", f1 >= MIN_MACRO_F1),
        _gap_target(ours, TRADITIONAL, "Traditional"),
        _gap_target(ours, MIXED, "mixed"),
        Target(
            "ours better than stock (macro-F1)",
            f"{f1:.3f} vs {stock_f1:.3f} ({(f1 - stock_f1) * 100:+.1f} points)",
            f1 > stock_f1,
        ),
    ]
