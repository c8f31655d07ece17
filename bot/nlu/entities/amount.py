"""Money amounts in CNY, with the role (quoted / charged) the words before them give."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.constants import AmountRole, Entity
from bot.nlu.entities.quantity import (
    QUANTITY,
    format_number,
    has_magnitude,
    is_chinese_numeral,
    parse_quantity,
)
from bot.nlu.entities.span import EntitySpan
from bot.nlu.entities.units import COUNTED, CURRENCY_PREFIX, CURRENCY_SUFFIX, DISTANCE
from bot.nlu.normalize import normalize

# Beyond any after-sales bill; keeps phone numbers and order numbers out.
MAX_AMOUNT = Decimal(10_000_000)
# A bare number counts as money only this close after a price word.
MAX_CUE_GAP = 10
_CUE_WINDOW = MAX_CUE_GAP + 20  # the gap plus the longest price word

_CANDIDATE = re.compile(
    r"(?<![a-z0-9.:/\-_])"  # not glued to a word, a model number (id.4), a time or a date
    rf"(?:(?P<prefix>{CURRENCY_PREFIX})\s*)?"
    rf"(?P<number>{QUANTITY})"
    r"(?P<approx>[多余来]?)"  # 一千多块: about a thousand
    rf"(?:\s*(?P<suffix>{CURRENCY_SUFFIX}))?"
)
_GLUED_AFTER = re.compile(r"[a-z0-9:/_]|-\d")
_SENTENCE_END = re.compile(r"[。！？!?;；\n]|\.(?=\s)")


def _words(*words: str) -> str:
    """Regex alternation, longest first; Latin words only as whole words."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in ordered)


_QUOTE_WORDS = (
    "报价",
    "报了",
    "估价",
    "预估",
    "开价",
    "要价",
    "告诉我",
    "quoted",
    "quote",
    "estimate",
    "estimated",
)
_QUOTE_WORDS += ("told me",)
_WEAK_QUOTE_WORDS = ("说", "said", "says")
_CHARGE_WORDS = (
    "收了",
    "收费",
    "收我",
    "收取",
    "扣了",
    "付了",
    "付款",
    "支付",
    "花了",
    "花费",
    "交了",
    "结算",
    "实收",
)
_CHARGE_WORDS += ("发票", "账单", "charged", "billed", "paid", "invoice", "invoiced", "spent")
_PRICE_WORDS = (
    "要",
    "要了",
    "价格",
    "价钱",
    "费用",
    "一共",
    "总共",
    "共计",
    "合计",
    "工时费",
    "材料费",
    "多收",
)
_PRICE_WORDS += ("cost", "costs", "price", "priced", "fee", "total", "pay", "charge", "bill")
_PRICE_WORDS += ("wanted", "want", "wants", "asked for", "asking for", "demanded", "asked me for")
# Words that move the story on: an amount after them, following a quote, is what was then asked or paid.
_CHANGE_WORDS = ("又", "再", "后来", "然后", "结果", "最后", "改口", "变成", "涨到", "到了")
_CHANGE_WORDS += ("then", "later", "afterwards", "but", "now", "instead", "ended up", "again")

_QUOTE = re.compile(_words(*_QUOTE_WORDS))
_WEAK_QUOTE = re.compile(_words(*_WEAK_QUOTE_WORDS))
_CHARGE = re.compile(_words(*_CHARGE_WORDS))
_CHANGE = re.compile(_words(*_CHANGE_WORDS))
_CUE_BEFORE = re.compile(
    rf"(?:{_words(*_QUOTE_WORDS, *_WEAK_QUOTE_WORDS, *_CHARGE_WORDS, *_PRICE_WORDS)})"
    rf"[^\d。！？!?;；\n]{{0,{MAX_CUE_GAP}}}$"
)


@dataclass(frozen=True)
class _Amount:
    """An amount found in normalised text, before its role is known."""

    start: int
    end: int
    value: Decimal


def _is_money(match: re.Match[str], text: str, needs_context: bool) -> bool:
    """Whether a matched number is money: a currency marker, or (if needs_context) a price word before it."""
    number = match.group("number")
    if match.group("prefix") or match.group("suffix"):
        return True
    rest = text[match.end() :]
    if _GLUED_AFTER.match(rest) or COUNTED.match(rest) or DISTANCE.match(rest):
        return False
    if not needs_context:
        return True
    if is_chinese_numeral(number) and not has_magnitude(number):
        return False
    return bool(_CUE_BEFORE.search(text, max(0, match.start() - _CUE_WINDOW), match.start()))


def _amounts(text: str, needs_context: bool) -> list[_Amount]:
    """Money amounts in normalised text; a bare number needs a price word before it when needs_context."""
    found = []
    for match in _CANDIDATE.finditer(text):
        if not _is_money(match, text, needs_context):
            continue
        value = parse_quantity(match.group("number"))
        if value is None or not Decimal(0) < value <= MAX_AMOUNT:
            continue
        end = match.end("suffix") if match.group("suffix") else match.end("approx")
        found.append(_Amount(match.start(), end, value))
    return found


def _last(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    """End of the last match of pattern in text[start:end], or -1."""
    ends = [m.end() for m in pattern.finditer(text, start, end)]
    return ends[-1] if ends else -1


def _role(text: str, start: int, previous_end: int) -> AmountRole | None:
    """Quoted or charged, by the nearest cue since the previous amount in the same sentence."""
    window_start = previous_end
    for end in _SENTENCE_END.finditer(text, previous_end, start):
        window_start = end.end()
    quote = _last(_QUOTE, text, window_start, start)
    charge = _last(_CHARGE, text, window_start, start)
    if quote < 0 and charge < 0:
        quote = _last(_WEAK_QUOTE, text, window_start, start)
    if quote < 0 and charge < 0:
        return None
    return AmountRole.QUOTED if quote > charge else AmountRole.CHARGED


def _after_a_quote(
    role: AmountRole | None, text: str, start: int, previous_end: int, roles: list[AmountRole | None]
) -> AmountRole | None:
    """A second quote, or an amount after a quote and a change word ("又说要", "then wanted"), is charged.

    The first quote stays the quote; what the customer is then asked or made to pay, whether a corrected
    quote or a bill, is the charge (the blower case: 先报价200元,换的时候又说要1000元).
    """
    if AmountRole.QUOTED not in roles or AmountRole.CHARGED in roles or role is AmountRole.CHARGED:
        return role
    if role is AmountRole.QUOTED or _CHANGE.search(text, previous_end, start):
        return AmountRole.CHARGED
    return role


def find_amounts(text: str) -> list[EntitySpan]:
    """Amounts in normalised text (offsets into it): with a currency marker or after a price word."""
    spans = []
    previous_end = 0
    roles: list[AmountRole | None] = []
    for amount in _amounts(text, needs_context=True):
        role = _after_a_quote(
            _role(text, amount.start, previous_end), text, amount.start, previous_end, roles
        )
        roles.append(role)
        spans.append(
            EntitySpan(
                Entity.AMOUNT.value,
                amount.start,
                amount.end,
                format_number(amount.value),
                role.value if role else None,
            )
        )
        previous_end = amount.end
    return spans


def normalise_amount(text: str) -> str | None:
    """The first amount in one answer ("200", "¥1,000", "一千块", "1.2万") as a CNY number string, or None."""
    amounts = _amounts(normalize(text).text, needs_context=False)
    return format_number(amounts[0].value) if amounts else None
