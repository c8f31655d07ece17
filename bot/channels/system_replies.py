"""Replies a channel gives itself, in the customer's language, from the domain's responses."""

from __future__ import annotations

from typing import Any

from bot.channels.guard import GuardedMessage, Verdict
from bot.constants import Slot
from bot.nlu.language import detect_language

RESPONSE_FOR = {Verdict.EMPTY: "utter_empty_message", Verdict.TOO_LONG: "utter_message_too_long"}
# What a customer may see of a rendered response; the rest (its `condition`, ids) is internal.
CUSTOMER_FIELDS = ("text", "buttons", "quick_replies", "image", "attachment", "elements", "custom")


async def conversation_language(agent: Any, sender: str) -> str | None:
    """The `language` slot of the customer's conversation, if there is one."""
    tracker = await agent.tracker_store.retrieve(sender)
    return tracker.get_slot(Slot.LANGUAGE.value) if tracker else None


async def system_reply(
    agent: Any, sender: str, guarded: GuardedMessage, channel: str
) -> dict[str, Any] | None:
    """Render the response for a guarded message, like Rasa would, as a channel reply dict."""
    language = detect_language(guarded.text[:500]) if guarded.text else None
    language_value = language.value if language else await conversation_language(agent, sender)
    rendered = agent.nlg.generate_from_slots(
        RESPONSE_FOR[guarded.verdict], {Slot.LANGUAGE.value: language_value}, channel
    )
    if not rendered:
        return None
    return {"recipient_id": sender, **{k: rendered[k] for k in CUSTOMER_FIELDS if rendered.get(k)}}
