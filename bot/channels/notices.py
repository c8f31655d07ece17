"""What a channel says itself, without Rasa: slow-down and apology notices in the customer's language."""

from __future__ import annotations

from typing import Any

from bot.channels.system_replies import conversation_language
from bot.constants import Language
from bot.nlu.language import detect_language

SLOW_DOWN = {
    Language.ZH.value: "您发送消息太快了,请稍等片刻再发,我们会逐条处理您的消息。",
    Language.EN.value: "You're sending messages very quickly. Please wait a moment before sending more; "
    "we'll handle your messages one by one.",
}
APOLOGY = {
    Language.ZH.value: "抱歉,处理您的消息时出现了问题。请稍后再发一次,您之前提供的信息都已保留。",
    Language.EN.value: "Sorry, something went wrong while handling your message. Please send it again in a "
    "moment; what you told us so far is kept.",
}


async def customer_language(agent: Any | None, sender: str, text: str | None) -> str:
    """The language of this message, else of the conversation, else Chinese."""
    detected = detect_language(text[:500]) if text else None
    if detected is not None:
        return detected.value
    if agent is not None:
        try:
            slot = await conversation_language(agent, sender)
        except Exception:  # the notice must still go out if the tracker store is what failed
            slot = None
        if slot in (Language.ZH.value, Language.EN.value):
            return str(slot)
    return Language.ZH.value
