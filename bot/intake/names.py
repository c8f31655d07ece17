"""How to address the customer: "我姓王", "my name is Li Wei", or a name beside a phone ("王先生 138...")."""

from __future__ import annotations

import re

from bot.nlu.entities import extract_entities

MAX_NAME_CHARS = 40
_NAME_PATTERNS = (
    re.compile(r"(?:我姓|姓)(\S{1,2}?)(?=[先女小,,。.\s]|$)"),
    re.compile(r"(?:我叫|叫我|我是|名字是|名字叫)\s*([^\s,,。.!!0-9]{1,12})"),
    re.compile(
        r"(?:my name is|i am|i'm|call me|this is|name'?s)\s+([a-z][a-z.'\-]*(?:\s+[a-z][a-z.'\-]*){0,3})",
        re.IGNORECASE,
    ),
)
# A Chinese way of being addressed: a surname with a title (王先生, 李女士, 张小姐, 老王).
_TITLED = re.compile(r"[\u4e00-\u9fff]{1,2}(?:先生|女士|小姐|老师|师傅)|老[\u4e00-\u9fff]")
# Words around a phone number that are not a name.
_FILLER = re.compile(
    r"电话|手机号?|号码|联系方式|联系我|打这个|是|我的|称呼|姓名|名字|可以|请|"
    r"\b(?:my|phone|number|mobile|tel|is|it's|you|can|reach|me|on|at|call|and|the|name)\b",
    re.IGNORECASE,
)
_CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{1,4}")
_LATIN_NAME = re.compile(r"[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){0,2}")
_PUNCTUATION = re.compile(r"[\s,,。.!!::;;、/\-]+")


def extract_name(text: str) -> str:
    """The name in "我姓王" / "my name is Li Wei", or the trimmed answer itself."""
    cleaned = text.strip().rstrip("。.!!")  # noqa: B005 - a set of trailing punctuation marks
    for pattern in _NAME_PATTERNS:
        match = pattern.search(cleaned)
        if match:
            name = match.group(1).strip().rstrip(",,。.")  # noqa: B005 - a set of punctuation marks
            return f"{name}先生/女士" if pattern is _NAME_PATTERNS[0] else name
    return cleaned[:MAX_NAME_CHARS]


def name_beside_phone(text: str) -> str | None:
    """The name given together with a phone number ("王先生 13812345678", "Li Wei, 139..."), if any."""
    rest = text
    for span in sorted(extract_entities(text), key=lambda s: s.start, reverse=True):
        if span.entity == "phone":
            rest = rest[: span.start] + " " + rest[span.end :]
    if rest == text:
        return None
    return name_in(rest)


def name_in(rest: str) -> str | None:
    """The name in what is left of an answer once its other details are taken out ("王先生", "我姓王")."""
    for pattern in _NAME_PATTERNS:
        if pattern.search(rest):
            return extract_name(rest)
    titled = _TITLED.search(rest)
    if titled:
        return titled.group()
    leftover = _PUNCTUATION.sub(" ", _FILLER.sub(" ", rest)).strip()
    if _CHINESE_NAME.fullmatch(leftover) or _LATIN_NAME.fullmatch(leftover):
        return leftover
    return None
