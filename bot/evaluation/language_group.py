"""Sorts evaluation messages into language groups: zh, en, mixed (code-switched) and Traditional."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import opencc

from bot.nlu.lexicon import load_lexicon

ZH = "zh"
EN = "en"
MIXED = "mixed"
TRADITIONAL = "traditional"
GROUPS: tuple[str, ...] = (ZH, EN, MIXED, TRADITIONAL)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Runs of Latin letters, digits and in-word punctuation: "don't", "ID.4", "a/c", "LFV3A28W5K3095602".
_LATIN_TOKEN = re.compile(r"[a-z0-9](?:[a-z0-9.'/\-]*[a-z0-9])?")
_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]")
# Brand names and identifiers that Chinese customers write in Latin letters as a matter of course.
_BRAND_WORDS = frozenset({"faw", "vw", "volkswagen", "audi", "vin"})
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    """OpenCC Traditional-to-Simplified (the installed package names the config "t2s")."""
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def name_words() -> frozenset[str]:
    """Latin words of model and part names and brands: they do not make a Chinese message code-switched."""
    lexicon = load_lexicon()
    aliases = [a for names in (lexicon.vehicle_models, lexicon.parts) for al in names.values() for a in al]
    words = {w for alias in aliases for w in alias.lower().split() if w.isascii()}
    return frozenset(words | _BRAND_WORDS)


def is_traditional(text: str) -> bool:
    """True when OpenCC's Traditional-to-Simplified conversion changes the text."""
    with _lock:
        return _converter().convert(text) != text


def english_words(text: str) -> list[str]:
    """Latin words of 2+ letters that are not model, part or brand names (tokens with digits never count)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    tokens = _LATIN_TOKEN.findall(folded)
    return [t for t in tokens if _WORD.fullmatch(t) and t not in name_words()]


def language_group(text: str) -> str:
    """The language group of a message.

    - traditional: OpenCC t2s changes the text (Traditional characters, whatever else is in it);
    - mixed: Chinese characters and at least one English word of 2+ letters that is not a model,
      part or brand name ("hi 你好", "DSG 修完还是 jerky"; but "我的 Passat 的 AC 坏了" is zh);
    - zh: Chinese characters and no such English word;
    - en: no Chinese characters (also messages of digits and punctuation only).
    """
    if is_traditional(text):
        return TRADITIONAL
    if not _CJK.search(text):
        return EN
    return MIXED if english_words(text) else ZH
