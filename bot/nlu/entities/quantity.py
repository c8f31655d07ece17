"""Numbers as customers write them: 1,000 / 1.2万 / 1万2 / 30k / 5w / 两千五 (Chinese numerals via cn2an)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import cn2an

CN_DIGITS = "零〇一二两三四五六七八九"
CN_MAGNITUDES = "十百千万亿"

# Regex source for one quantity (no groups). Digits may carry a Chinese magnitude with a digit after it
# ("1万2" = 12000) or a Latin k/w (thousand / 万); Chinese numerals start with a digit or 十.
QUANTITY = (
    r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*(?:[万千百](?:\d[千百]?)?|[kw](?![a-z])))?"
    rf"|[{CN_DIGITS}十][{CN_DIGITS}{CN_MAGNITUDES}]*)"
)
_PLAIN = re.compile(r"\d+(?:\.\d+)?")
_LATIN_MULTIPLIERS = {"k": Decimal(1000), "w": Decimal(10000)}


def parse_quantity(text: str) -> Decimal | None:
    """The value of one quantity matched by QUANTITY (normalised text), or None when it is not a number."""
    compact = text.replace(",", "").replace(" ", "")
    if not compact:
        return None
    multiplier = _LATIN_MULTIPLIERS.get(compact[-1])
    if multiplier is not None:
        base = parse_quantity(compact[:-1])
        return base * multiplier if base is not None else None
    if _PLAIN.fullmatch(compact):
        return Decimal(compact)
    try:
        value = cn2an.cn2an(compact, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def is_chinese_numeral(text: str) -> bool:
    """True when the quantity is written in Chinese numerals only (一千, 两千五)."""
    return bool(text) and all(c in CN_DIGITS or c in CN_MAGNITUDES for c in text)


def has_magnitude(text: str) -> bool:
    """True when a Chinese numeral names a magnitude (十/百/千/万/亿), unlike a lone 一 in 一直."""
    return any(c in CN_MAGNITUDES for c in text)


def format_number(value: Decimal) -> str:
    """A plain number string: no exponent, no trailing zeros, no decimals when whole."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
