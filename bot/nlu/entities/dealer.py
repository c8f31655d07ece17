"""Dealer names kept whole ("北京亚运村4S店", "Shanghai Pudong dealer"), not cut to "4S店" or "Shanghai".

A dealer is named by a place or company name right before a dealer word (4S店, 经销商, 维修站,
dealership, dealer). The value is the customer's own spelling (the aggregator takes the original text).
"""

from __future__ import annotations

import re

from bot.constants import Entity
from bot.nlu.entities.span import EntitySpan

# Characters that end a Chinese name on its left: punctuation, and words that come before a place.
_CN_STOP = r"\s,，。.!！?？;；、:：()（）在去到从于找跟和对向被给了是的"
_CN_KIND = r"4s店|4s专营店|4s中心|特约维修站|特约店|维修站|服务站|经销商|专营店|销售服务中心|服务中心"
_CN_DEALER = re.compile(rf"(?P<name>[^{_CN_STOP}]{{2,12}}?)(?P<kind>{_CN_KIND})")
_CN_NOT_A_NAME = re.compile(r"^(?:这|那|该|本|每|哪|一家|我|他|她|它|当地|附近|别的|其他|另一)")

_EN_KIND = r"dealerships?|dealers?|4s (?:store|shop)|4s|service (?:station|centre|center)"
_EN_DEALER = re.compile(
    # After a preposition or article, or opening a message or clause ("Shanghai Pudong dealer quoted 900").
    rf"(?:^|[,.;:!?]\s*|\b(?:at|from|to|by|with|in|the|of)\s+)"
    rf"(?P<name>(?:[a-z][a-z0-9'&.\-]*\s+){{1,3}}?)(?P<kind>{_EN_KIND})\b"
)
_EN_NOT_A_NAME = {
    "the",
    "a",
    "an",
    "my",
    "our",
    "this",
    "that",
    "local",
    "their",
    "your",
    "his",
    "her",
    "same",
}
_EN_NOT_A_NAME |= {"another", "other", "vw", "volkswagen", "faw", "official", "authorised", "authorized"}
_EN_NOT_A_NAME |= {"at", "from", "to", "by", "with", "in", "of", "i", "we", "they", "it"}


def find_dealers(text: str) -> list[EntitySpan]:
    """Dealer names in normalised text (offsets into it); the value is filled from the original text."""
    spans = []
    for match in _CN_DEALER.finditer(text):
        if not _CN_NOT_A_NAME.match(match["name"]):
            spans.append(EntitySpan(Entity.DEALER.value, match.start(), match.end(), match.group()))
    for match in _EN_DEALER.finditer(text):
        words = match["name"].split()
        while words and words[0] in _EN_NOT_A_NAME:
            words.pop(0)
        if not words or all(w in _EN_NOT_A_NAME for w in words):
            continue
        start = match.start("name") + match["name"].index(words[0])
        spans.append(EntitySpan(Entity.DEALER.value, start, match.end(), text[start : match.end()]))
    return spans


def trim_dealer(span: EntitySpan, taken_until: int) -> EntitySpan | None:
    """The dealer span after another entity overlapping its start (上周五成都南4S店), if any is left."""
    if taken_until <= span.start:
        return span
    if span.end - taken_until < 4:  # at least a two-character name and a dealer word
        return None
    return EntitySpan(span.entity, taken_until, span.end, span.value[taken_until - span.start :])
