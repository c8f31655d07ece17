"""Splits normalised mixed Chinese/English text into words with spaCy's Chinese tokenizer on jieba."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache

from bot.nlu.lexicon import load_lexicon
from bot.nlu.normalize import normalize

logger = logging.getLogger(__name__)
_lock = threading.Lock()

# jieba's default frequency for a user word: high enough to win over the built-in dictionary's split.
USER_WORD_FREQ = 20000


@dataclass(frozen=True)
class Word:
    """A word of the normalised text and its span in the customer's original text."""

    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _nlp():  # type: ignore[no-untyped-def]
    """The spaCy blank Chinese pipeline with the jieba segmenter and our user dictionary."""
    import jieba
    from spacy.lang.zh import Chinese

    with _lock:
        jieba.setLogLevel(logging.WARNING)
        for word in load_lexicon().segmenter_words():
            jieba.add_word(normalize(word).text, freq=USER_WORD_FREQ)
        return Chinese.from_config({"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def segment(text: str) -> list[Word]:
    """Words of `text` (normalised: NFKC, simplified, lower-case), without whitespace tokens."""
    normalized = normalize(text)
    if not normalized.text.strip():
        return []
    doc = _nlp()(normalized.text)
    words = []
    for token in doc:
        if token.is_space or not token.text.strip():
            continue
        start, end = normalized.to_original(token.idx, token.idx + len(token.text))
        words.append(Word(token.text, start, end))
    return words
