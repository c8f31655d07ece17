"""Decides whether a customer wrote Chinese or English."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.constants import Language
from bot.nlu.lexicon import load_lexicon
from bot.nlu.normalize import normalize

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['\-.][a-z0-9]+)*")
_HAS_DIGIT = re.compile(r"\d")
# One English word carries about as much content as two Chinese characters.
_CHARS_PER_WORD = 2.0


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    """Latin names (models, parts) that say nothing about the language of the sentence around them."""
    lexicon = load_lexicon()
    names = {a for aliases in lexicon.vehicle_models.values() for a in aliases}
    names |= {a for aliases in lexicon.parts.values() for a in aliases}
    return frozenset(w for name in names for w in name.split() if w.isascii())


def detect_language(text: str) -> Language | None:
    """`zh` or `en` by which script carries the content; None when the text has no letters at all.

    Traditional Chinese counts as Chinese. In code-switched text, model and part names and short
    acronyms (Passat, AC, 4S, DSG) do not count as English.
    """
    normalized = normalize(text).text
    cjk = len(_CJK.findall(normalized))
    # Codes with digits (plates 湘A12345, VINs, 4S, ID.4, CMP-2026-...) are not words of either language.
    words = [w for w in _LATIN_WORD.findall(normalized) if not _HAS_DIGIT.search(w) and w not in _names()]
    content_words = [w for w in words if len(w) > 1 or w in {"i", "a"}]
    if cjk == 0 and not content_words:
        return None
    if cjk >= _CHARS_PER_WORD * len(content_words):
        return Language.ZH
    return Language.EN
