"""Scores how angry a customer's message is (Chinese and English lexicon plus emphasis rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.nlu.normalize import normalize

LEXICON_PATH = Path(__file__).with_name("anger_lexicon.yml")
_EMPHASIS = re.compile(r"[!!]{2,}|[??][!!]|[!!][??]")
_SHOUTED_WORD = re.compile(r"\b[A-Z]{3,}\b")
# Latin words that are shouted by nature, not in anger.
_ACRONYMS = frozenset(
    {"VIN", "SUV", "ABS", "ESP", "DSG", "CMP", "FAW", "AC", "USB", "GPS", "LED", "OK", "ID"}
)


@dataclass(frozen=True)
class Anger:
    """The score of a message and the cues that made it."""

    score: int
    cues: tuple[str, ...]
    threshold: int

    @property
    def angry(self) -> bool:
        """Whether the customer is clearly angry."""
        return self.score >= self.threshold


@dataclass(frozen=True)
class _Lexicon:
    threshold: int
    weights: dict[str, int]
    zh: dict[str, tuple[str, ...]]
    en: dict[str, re.Pattern[str]]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    """The lexicon file, compiled (English terms match whole words)."""
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    english = {
        kind: re.compile(r"(?<![a-z])(?:" + "|".join(re.escape(str(t)) for t in terms) + r")(?![a-z])")
        for kind, terms in data["en"].items()
    }
    chinese = {kind: tuple(str(t) for t in terms) for kind, terms in data["zh"].items()}
    return _Lexicon(int(data["threshold"]), dict(data["weights"]), chinese, english)


def _shouting(text: str) -> bool:
    """Two or more all-capital English words that are not acronyms."""
    return len([w for w in _SHOUTED_WORD.findall(text) if w not in _ACRONYMS]) >= 2


def score_anger(text: str) -> Anger:
    """How angry `text` is: each cue kind counts once per distinct term, emphasis once per kind."""
    lexicon = _lexicon()
    plain = normalize(text).text
    cues: list[str] = []
    score = 0
    for kind, terms in lexicon.zh.items():
        for term in terms:
            if term in plain:
                cues.append(term)
                score += lexicon.weights[kind]
    for kind, pattern in lexicon.en.items():
        for term in sorted(set(pattern.findall(plain))):
            cues.append(term)
            score += lexicon.weights[kind]
    emphasis = lexicon.weights["emphasis"]
    if _EMPHASIS.search(text):
        cues.append("!!")
        score += emphasis
    if _shouting(text):
        cues.append("CAPS")
        score += emphasis
    return Anger(score, tuple(cues), lexicon.threshold)


def is_angry(text: str) -> bool:
    """Whether the message shows a clearly angry customer."""
    return score_anger(text).angry
