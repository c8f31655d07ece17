"""Reads a 1-5 satisfaction rating from a button or a typed answer ("4", "四分", "4 stars", "★★★★")."""

from __future__ import annotations

import re

from bot.nlu.normalize import normalize

MIN_RATING, MAX_RATING = 1, 5
MAX_COMMENT_CHARS = 1000
_WORDS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
}
_RATING = re.compile(
    r"^(?:打|给|rate|i'?d (?:say|give)|i give|我给|给你们)?\s*"
    r"([1-5]|[一二两三四五]|one|two|three|four|five)\s*"
    r"(?:分|星|颗星|stars?|points?|/\s*5|out of (?:5|five))?[\s.!。!~]*$"
)
_STARS = re.compile(r"^[★⭐]{1,5}$")


def parse_rating(text: str) -> int | None:
    """The rating 1-5 the answer gives, or None when it is not one."""
    raw = text.strip()
    if _STARS.match(raw):
        return len(raw)
    match = _RATING.match(normalize(raw).text.strip())
    if not match:
        return None
    token = match.group(1)
    return int(token) if token.isdigit() else _WORDS[token]


def clean_comment(text: str | None) -> str | None:
    """The comment as stored: trimmed and cut to length; None when empty."""
    comment = (text or "").strip()
    return comment[:MAX_COMMENT_CHARS] or None


_NO_COMMENT = re.compile(
    r"^(?:-|skip|no|nope|none|nothing|no comment|no thanks|n/?a"
    r"|跳过|没有|没有了|无|没了|不用了|算了|略)[\s.!。!~]*$"
)


def is_no_comment(text: str) -> bool:
    """Whether the answer to "anything to add?" means no comment."""
    return bool(_NO_COMMENT.match(normalize(text).text.strip()))
