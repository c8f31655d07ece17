"""Recognises what a customer says about the handoff itself: leaving the queue, a problem not solved."""

from __future__ import annotations

import re

from bot.nlu.normalize import normalize

_END = r"[\s,.!?;:,。!?;~…]*"
# The whole message must be about leaving (while queued, "算了" alone can only mean that).
_LEAVE_QUEUE = re.compile(
    r"^(?:(?:算了|好吧|那)?"
    + _END
    + r"(?:不用|不要|不需要|不想要?|取消|别)(?:转)?(?:人工|客服|真人|转接|转了|等了)(?:了|吧|啦)?"
    r"|算了(?:吧)?|不等了|我不等了"
    r"|never ?mind|nevermind|forget it|no need(?: for (?:an? )?(?:agent|human|person))?"
    r"|(?:i )?(?:don'?t|do not) need (?:an? )?(?:agent|human|person)(?: any ?more)?"
    r"|cancel(?: the)?(?: transfer| handoff| agent| request)?|stop waiting|i'?ll (?:stay with|use) the bot"
    r")(?:" + _END + r"(?:thanks|thank you|谢谢)?)?" + _END + r"$"
)
_NOT_SOLVED = re.compile(
    r"(?:没有?|未|不)(?:解决|修好|处理好|搞定)|(?:还|仍然|仍|依然|根本|并)(?:没有?|未)好"
    r"|又(?:坏|出现|响|来)了|还是(?:老样子|有问题|一样)"
    r"|(?:not|n't|never been|isn'?t|wasn'?t|hasn'?t been|has not been) (?:solved|fixed|resolved|sorted)"
    r"|(?:still|again) (?:broken|not working|the same|happening|there)|(?:came|is) back again|reopen"
)


def wants_to_leave_queue(text: str) -> bool:
    """ "算了,不用人工了" / "never mind": the customer no longer wants to wait for an agent."""
    return bool(_LEAVE_QUEUE.match(normalize(text).text.strip()))


def says_not_solved(text: str) -> bool:
    """ "问题还没解决" / "it's not fixed": the customer says a resolved case is not solved."""
    return bool(_NOT_SOLVED.search(normalize(text).text))
