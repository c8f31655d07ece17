"""Finds lexicon names in normalised text: longest alias first, Latin aliases only as whole words."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.nlu.normalize import normalize

_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]")


def _alias_pattern(alias: str) -> str:
    """Regex for one normalised alias; Latin/digit ends must not touch other Latin letters or digits."""
    body = r"\s+".join(re.escape(part) for part in alias.split())
    if _LATIN_OR_DIGIT.match(alias[0]):
        body = rf"(?<![a-z0-9]){body}"
    if _LATIN_OR_DIGIT.match(alias[-1]):
        body = rf"{body}(?![a-z0-9])"
    return body


class AliasMatcher:
    """Maps every alias (and the canonical name itself) of a lexicon section to its canonical name."""

    def __init__(self, names: Mapping[str, tuple[str, ...]]) -> None:
        """Build one regex over all aliases, normalised as customer text is."""
        self._canonical: dict[str, str] = {}
        for name, aliases in names.items():
            for alias in (name, *aliases):
                key = normalize(alias).text.strip()
                if key:
                    self._canonical.setdefault(" ".join(key.split()), name)
        ordered = sorted(self._canonical, key=len, reverse=True)
        self._pattern = re.compile("|".join(_alias_pattern(a) for a in ordered))

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical name) of every alias in normalised text, left to right."""
        return [
            (m.start(), m.end(), self._canonical[" ".join(m.group().split())])
            for m in self._pattern.finditer(text)
        ]
