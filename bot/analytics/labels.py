"""Display names (zh/en) of everything a report shows: models, parts, categories, channels, priorities."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.nlu.lexicon import load_lexicon

_CJK = re.compile(r"[\u4e00-\u9fff]")

_FIXED: dict[str, dict[str, tuple[str, str]]] = {
    "category": {
        "repair_complaint": ("维修质量", "Repair quality"),
        "pricing_dispute": ("收费争议", "Pricing dispute"),
        "product_defect": ("产品质量", "Product defect"),
        "staff_complaint": ("服务态度", "Staff conduct"),
        "roadside_assistance": ("道路救援", "Roadside assistance"),
        "compliment": ("表扬", "Compliment"),
        "general": ("一般咨询", "General"),
    },
    "channel": {
        "web": ("网站", "Website"),
        "webchat": ("网站聊天", "Web chat"),
        "telegram": ("Telegram", "Telegram"),
        "rest": ("接口", "API"),
        "phone": ("电话", "Phone"),
        "import": ("导入", "Import"),
        "nhtsa": ("NHTSA 导入", "NHTSA import"),
        "shell": ("终端", "Terminal"),
    },
    "language": {"zh": ("中文", "Chinese"), "en": ("英文", "English")},
    "priority": {
        "urgent": ("紧急", "Urgent"),
        "high": ("高", "High"),
        "normal": ("普通", "Normal"),
        "low": ("低", "Low"),
    },
    "status": {
        "open": ("待处理", "Open"),
        "waiting_agent": ("等待人工", "Waiting for agent"),
        "assigned": ("处理中", "Assigned"),
        "resolved": ("已解决", "Resolved"),
        "reopened": ("重新打开", "Reopened"),
        "closed": ("已关闭", "Closed"),
    },
}
_NONE = ("(未填写)", "(not given)")


@lru_cache(maxsize=1)
def _lexicon_names() -> dict[str, dict[str, tuple[str, str]]]:
    """Model and part names from the domain lexicon: first Chinese alias, English id in words."""
    lexicon = load_lexicon()

    def chinese(aliases: tuple[str, ...], fallback: str) -> str:
        found = next((a for a in aliases if _CJK.search(a)), None)
        return re.sub(r"[a-z][a-z0-9.]*", lambda m: m.group().upper(), found) if found else fallback

    models = {m: (chinese(a, m), m) for m, a in lexicon.vehicle_models.items()}
    parts = {p: (chinese(a, p.replace("_", " ")), p.replace("_", " ")) for p, a in lexicon.parts.items()}
    return {"vehicle_model": models, "part": parts}


def label(dimension: str, value: str | None, language: str) -> str:
    """What a reader sees for `value` of `dimension` (dealers and agents are shown as they are)."""
    if value in (None, ""):
        return _NONE[0 if language == "zh" else 1]
    names = _FIXED.get(dimension) or _lexicon_names().get(dimension) or {}
    pair = names.get(value)  # type: ignore[arg-type]
    if pair is None:
        return str(value)
    return pair[0] if language == "zh" else pair[1]


def known_values(dimension: str) -> list[str]:
    """Every value a dimension has a name for (filter choices)."""
    names = _FIXED.get(dimension) or _lexicon_names().get(dimension) or {}
    return list(names)
