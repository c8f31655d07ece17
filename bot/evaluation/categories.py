"""Which of our complaint categories fit a real complaint, read from its source's own label (README)."""

from __future__ import annotations

import re

from bot.constants import Intent

COMPLAINT_INTENTS = frozenset(
    {
        Intent.REPAIR_COMPLAINT.value,
        Intent.PRICING_DISPUTE.value,
        Intent.PRODUCT_DEFECT.value,
        Intent.STAFF_COMPLAINT.value,
    }
)
DEFECT = Intent.PRODUCT_DEFECT.value
REPAIR = Intent.REPAIR_COMPLAINT.value
STAFF = Intent.STAFF_COMPLAINT.value
PRICING = Intent.PRICING_DISPUTE.value

# zh_titles: the letter of the site's problem code is its family (README). A-H are faults of the car.
_TITLE_FAMILIES: dict[str, frozenset[str]] = {
    **{letter: frozenset({DEFECT}) for letter in "ABCDEFGH"},
    "I": frozenset({STAFF}),
    "L": frozenset({STAFF}),
    "J": frozenset({REPAIR}),
    "K": frozenset({PRICING}),
}
# zh_narratives: `problem/subtype`; component classes are faults of the car.
_COMPONENTS = frozenset(
    {
        "发动机",
        "车身",
        "电气设备",
        "传动系",
        "制动系",
        "转向系",
        "悬架系",
        "轮胎和车轮",
        "附加设备",
        "动力电池及电源管理系统",
        "电力驱动系统",
        "气囊和安全带",
    }
)
_NARRATIVE_PROBLEMS: dict[str, frozenset[str]] = {
    **{component: frozenset({DEFECT}) for component in _COMPONENTS},
    "服务态度": frozenset({STAFF}),
    "承诺不兑现": frozenset({STAFF}),
    "服务收费": frozenset({PRICING}),
    "人员技术": frozenset({REPAIR}),
}
# A fault of the car whose text tells of a repair (that failed) is also a repair complaint.
_REPAIR_TOLD = re.compile(
    r"维修|修理|返修|修复|修好|修不好|没修|未修|修了|检修|保修|换了|更换|"
    r"\b(?:dealer|dealership|repair(?:ed|s)?|fix(?:ed)?|service (?:center|department)|recall)\b",
    re.IGNORECASE,
)


def _with_repair(categories: frozenset[str], text: str) -> frozenset[str]:
    """Add repair_complaint to a fault of the car when the text tells of a repair."""
    if DEFECT in categories and _REPAIR_TOLD.search(text):
        return categories | {REPAIR}
    return categories


def title_categories(label: str, text: str) -> frozenset[str] | None:
    """Acceptable categories of a complaint-site title (union over its codes); None when no code maps."""
    found: set[str] = set()
    for code in filter(None, (c.strip() for c in label.split(","))):
        found |= _TITLE_FAMILIES.get(code[0].upper(), frozenset())
    return _with_repair(frozenset(found), text) if found else None


def narrative_categories(label: str, text: str) -> frozenset[str] | None:
    """Acceptable categories of an owner's narrative; None for 销售欺诈, 其他原因 and unknown problems."""
    found = _NARRATIVE_PROBLEMS.get(label.split("/")[0].strip())
    return _with_repair(found, text) if found else None


def nhtsa_categories(label: str, text: str) -> frozenset[str] | None:
    """Every NHTSA complaint reports a fault of the vehicle; repair too when it tells of dealer repairs."""
    return _with_repair(frozenset({DEFECT}), text)
