"""Splits normalised mixed Chinese/English text into words with spaCy's Chinese tokenizer on jieba."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

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


@lru_cache(maxsize=4)
def _nlp(user_words: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """A spaCy blank Chinese pipeline on its own jieba instance that knows exactly `user_words`."""
    import jieba
    from spacy.lang.zh import Chinese

    with _lock:
        jieba.setLogLevel(logging.WARNING)
        own = jieba.Tokenizer()  # not the global one: two models with two dictionaries may share a process
        for word in user_words:
            own.add_word(word, freq=USER_WORD_FREQ)
        nlp = Chinese.from_config({"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        nlp.tokenizer.jieba_seg = own
        return nlp


def segment(text: str, user_words: Sequence[str], offset: int = 0) -> list[Word]:
    """Words of `text` (normalised: NFKC, simplified, lower-case), without whitespace tokens.

    Spans are shifted by `offset` (for a slice of a longer message).
    """
    normalized = normalize(text)
    if not normalized.text.strip():
        return []
    doc = _nlp(tuple(user_words))(normalized.text)
    words = []
    for token in doc:
        if token.is_space or not token.text.strip():
            continue
        start, end = normalized.to_original(token.idx, token.idx + len(token.text))
        words.append(Word(token.text, start + offset, end + offset))
    return words
