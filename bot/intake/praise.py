"""Thanks that also praise someone ("Your agent was so helpful, thanks Li Wei!") are compliments."""

from __future__ import annotations

import re

from bot.nlu.normalize import normalize

_PRAISE = re.compile(
    r"helpful|great (?:job|service|work)|excellent|amazing|wonderful|fantastic|professional|patient|"
    r"friendly|kind|brilliant|superb|outstanding|so good|very good|really good|well done|praise|"
    r"服务(?:特别|非常|很|真|超)?(?:好|周到|到位|热情)|很专业|非常专业|专业|耐心|热情|细致|周到|负责|"
    r"表扬|点赞|好评|给力|靠谱|帮了大忙|太好了|满意"
)
# Praise of the bot's own reply in passing ("thanks, that was helpful") is not a compliment about staff.
_ABOUT_STAFF = re.compile(
    r"\b(?:agents?|advisors?|advisers?|staff|technicians?|mechanics?|team|dealer\w*|guys?|lady|he|she|mr|ms)\b|"
    r"师傅|顾问|客服|专员|工作人员|小哥|小姐|经理|技师|店|[\u4e00-\u9fff](?:先生|女士|工)|"
    r"\bthanks?(?: you)?,?\s+[a-z]+(?:\s[a-z]+)?[!.]*$"  # thanks addressed to a person by name
)


def is_praise(text: str) -> bool:
    """True when a thank-you also praises a person or the service (record it as a compliment)."""
    normalized = normalize(text or "").text
    return bool(_PRAISE.search(normalized)) and bool(_ABOUT_STAFF.search(normalized))
