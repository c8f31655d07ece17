"""Finds a second complaint category hidden in a complaint (the blower case: repair quality + pricing)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.constants import Category
from bot.nlu.normalize import normalize

# Evidence, checked on normalised text (simplified, lower-case). Order = precedence.
_EVIDENCE: tuple[tuple[Category, re.Pattern[str]], ...] = (
    (
        Category.PRICING_DISPUTE,
        re.compile(
            r"报价|多收|乱收费|收费|收了|多付|发票|工时费|价格|贵了|加价|"
            r"overcharg|quote|quoted|bill|invoice|charged|price|labou?r fee"
        ),
    ),
    (
        Category.REPAIR_COMPLAINT,
        re.compile(
            r"返修|又坏|又响|又出现|没修好|没有修好|修不好|修了.{0,3}[两三四几]次|第[二三四]次|还是没|"
            r"not fixed|still (?:not|broken|there|making)|came back|again after|"
            r"repair(?:ed)? (?:twice|again)|"
            # A bill for a repair job is also about that repair (the blower case: quality + price).
            r"修[了过好]?|维修|repaired|fixed"
        ),
    ),
    (
        Category.STAFF_COMPLAINT,
        re.compile(r"态度|不理|没回电|不回电|骂|敷衍|rude|never called|no call.?back|ignored|attitude"),
    ),
)


def _evidenced(text: str, quoted_amount: str | None, charged_amount: str | None) -> Iterator[Category]:
    """The categories the words (or a quote/charge difference) give evidence of, in order of precedence."""
    normalized = normalize(text or "").text
    for category, pattern in _EVIDENCE:
        differ = category is Category.PRICING_DISPUTE and _amounts_differ(quoted_amount, charged_amount)
        if differ or pattern.search(normalized):
            yield category


def secondary_category(
    primary: str, text: str, quoted_amount: str | None = None, charged_amount: str | None = None
) -> Category | None:
    """The first other category the customer's words (or a quote/charge difference) give evidence of."""
    if primary not in {c.value for c in (*(c for c, _ in _EVIDENCE), Category.PRODUCT_DEFECT)}:
        return None
    evidenced = _evidenced(text, quoted_amount, charged_amount)
    return next((category for category in evidenced if category.value != primary), None)


def evident_category(
    text: str, quoted_amount: str | None = None, charged_amount: str | None = None
) -> Category | None:
    """The complaint category a message's own words or amounts point to (quote vs charge first), if any."""
    return next(_evidenced(text, quoted_amount, charged_amount), None)


def _amounts_differ(quoted: str | None, charged: str | None) -> bool:
    """True when both amounts are known and not equal."""
    if not quoted or not charged:
        return False
    try:
        return float(quoted) != float(charged)
    except ValueError:
        return False
