"""Recognises a customer declining to answer an optional question ("skip", "不知道")."""

from __future__ import annotations

import re

from bot.nlu.normalize import normalize

_SKIP = re.compile(
    r"^(?:skip|pass|next|n/?a|none|no idea|not sure|don'?t know|dont know|i don'?t know|dunno|forgot|"
    r"跳过|不知道|不清楚|不记得|忘了|记不清|没有|无|略|不方便|不想说|下一个|不用了)[\s.!。!~]*$"
)


def is_skip(value: object) -> bool:
    """True when the answer means "I won't / can't answer this"."""
    if not isinstance(value, str):
        return False
    return bool(_SKIP.match(normalize(value).text.strip()))
