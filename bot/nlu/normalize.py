"""Normalises customer text (NFKC, Traditional to Simplified, lower case) and maps offsets back."""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

_lock = threading.Lock()


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text with, for each of its characters, the index of the original character it came from."""

    text: str
    offsets: list[int]  # len(text) + 1 entries; the last is len(original)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced normalised text[start:end]."""
        original_start = self.offsets[start]
        if end <= start:
            return original_start, original_start
        # One original character can expand to several (NFKC: "㍻" -> "平成"); a span ending inside
        # such an expansion still covers the whole original character.
        last = self.offsets[end - 1]
        original_end = next(o for o in self.offsets[end:] if o > last)
        return original_start, original_end


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    """The Traditional-to-Simplified converter (the installed OpenCC package names the config "t2s")."""
    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> str:
    """Traditional to Simplified; OpenCC objects are not documented as thread-safe."""
    with _lock:
        return _converter().convert(text)


def _simplified_char(char: str) -> str:
    """One character to Simplified, or unchanged when the conversion is not one character."""
    converted = _to_simplified(char)
    return converted if len(converted) == 1 else char


def _clusters(text: str) -> list[tuple[int, str]]:
    """Base characters with their combining marks, so NFKC can compose them, and where each starts."""
    clusters: list[tuple[int, str]] = []
    for i, char in enumerate(text):
        if clusters and unicodedata.combining(char):
            start, chars = clusters[-1]
            clusters[-1] = (start, chars + char)
        else:
            clusters.append((i, char))
    return clusters


def normalize(text: str) -> NormalizedText:
    """NFKC (full-width to ASCII), Traditional to Simplified Chinese, lower case; offsets into `text`."""
    chars: list[str] = []
    offsets: list[int] = []
    for start, cluster in _clusters(text):
        for char in unicodedata.normalize("NFKC", cluster).lower():
            chars.append(char)
            offsets.append(start)
    folded = "".join(chars)
    simplified = _to_simplified(folded)
    if len(simplified) != len(folded):
        # Phrase conversions almost never change length; when one does, convert per character instead.
        simplified = "".join(_simplified_char(char) for char in folded)
    offsets.append(len(text))
    return NormalizedText(simplified, offsets)
