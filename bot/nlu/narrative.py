"""Picks the sentences of a long narrative that state the problem, so the classifier reads those."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.nlu.normalize import normalize
from bot.nlu.segmenter import Word

# Clause ends: Chinese marks (the comma too: Chinese narratives run on in comma-joined clauses), ASCII
# ones before a space or the end, and an ASCII comma right after a Chinese character.
_SENTENCE_END = re.compile(r"[。！？；，!?;\n]+|[.](?=\s|$)|(?<=[\u4e00-\u9fff]),")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, ends included, blank ones left out."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.end()].strip():
            spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def salient_words(text: str, words: Sequence[Word], problem: re.Pattern[str], budget: int) -> list[Word]:
    """All words of a short text; of a long one, the first sentence and then sentences naming a problem.

    Sentences are taken in their order until `budget` words; a first sentence longer than the budget is cut.
    """
    if len(words) <= budget:
        return list(words)
    chosen: list[Word] = []
    for index, (start, end) in enumerate(sentence_spans(text)):
        inside = [w for w in words if start <= w.start < end]
        if not inside or (index and not problem.search(normalize(text[start:end]).text)):
            continue
        if len(chosen) + len(inside) > budget:
            if not chosen:
                chosen = inside[:budget]
            continue
        chosen += inside
    return chosen or list(words[:budget])


_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def narrative_size(text: str) -> int:
    """How long a message is as a story: its Chinese characters plus its English words."""
    return len(_CJK_CHAR.findall(text)) + len(_LATIN_WORD.findall(text))
