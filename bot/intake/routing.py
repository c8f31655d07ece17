"""Which intake a details-only message opens ("帕萨特上周五在4S店修空调,报价200收了1000")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.intake.secondary import evident_category
from bot.intake.spec import COMPLAINT_FORMS

# How likely a complaint category must be (second to `inform`) for details to open a case of it.
MIN_ROUTING_CONFIDENCE = 0.05


def routed_category(
    intent_ranking: Iterable[Mapping[str, Any]],
    text: str,
    quoted_amount: str | None = None,
    charged_amount: str | None = None,
) -> str | None:
    """The complaint category a details-only message most likely belongs to, if any.

    The classifier's runner-up complaint intent when it is not negligible, else what the words and
    amounts show (a quote and a different charge is a pricing dispute; a repair visit a repair complaint).
    """
    for ranked in intent_ranking:
        name = ranked.get("name")
        if name in COMPLAINT_FORMS and float(ranked.get("confidence") or 0.0) >= MIN_ROUTING_CONFIDENCE:
            return str(name)
    evident = evident_category(text, quoted_amount, charged_amount)
    return evident.value if evident else None
