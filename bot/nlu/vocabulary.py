"""Word classes of the domain (resources/vocabulary.yml plus the lexicon's names) as regex patterns."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.nlu.lexicon import LEXICON_PATH, load_lexicon
from bot.nlu.normalize import normalize

VOCABULARY_PATH = Path(__file__).parent / "resources" / "vocabulary.yml"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def load_classes(vocabulary: Path = VOCABULARY_PATH, lexicon: Path = LEXICON_PATH) -> dict[str, list[str]]:
    """Class name -> normalised words; the lexicon adds its part names to `part` and a `model` class."""
    raw = yaml.safe_load(vocabulary.read_text(encoding="utf-8"))["classes"]
    names = load_lexicon(lexicon)
    classes = {name: [str(w) for w in words] for name, words in raw.items()}
    classes.setdefault("part", []).extend(a for aliases in names.parts.values() for a in aliases)
    classes["model"] = [a for aliases in names.vehicle_models.values() for a in aliases]
    return {
        name: sorted({normalize(w).text.strip() for w in words if str(w).strip()})
        for name, words in classes.items()
    }


def _english(word: str) -> str:
    """A whole-word pattern; a trailing * matches any ending (`stall*`: stalls, stalled, stalling)."""
    stem = word.rstrip("*")
    pattern = r"\s+".join(re.escape(part) for part in stem.split())
    return pattern + (r"\w*" if word.endswith("*") else "")


def class_pattern(words: list[str]) -> str:
    """One regex for a class: Chinese words anywhere, English words as whole words (longest first)."""
    chinese = sorted((w for w in words if _CJK.search(w)), key=len, reverse=True)
    english = sorted((w for w in words if not _CJK.search(w)), key=len, reverse=True)
    alternatives = []
    if chinese:
        alternatives.append("|".join(re.escape(w) for w in chinese))
    if english:
        alternatives.append(r"(?<![\w'])(?:" + "|".join(_english(w) for w in english) + r")(?![\w'])")
    return "|".join(f"(?:{a})" for a in alternatives)


def segmenter_words(vocabulary: Path = VOCABULARY_PATH, lexicon: Path = LEXICON_PATH) -> list[str]:
    """Words jieba must keep whole: the lexicon's and the vocabulary's words with Chinese characters.

    Latin-only words stay out: jieba would cut English words around them ("contact" -> "cont ac t").
    """
    words = {normalize(w).text for w in load_lexicon(lexicon).segmenter_words()}
    for class_words in load_classes(vocabulary, lexicon).values():
        words |= {w for w in class_words if " " not in w}
    return sorted(w for w in words if _CJK.search(w))
