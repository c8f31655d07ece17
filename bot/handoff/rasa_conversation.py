"""Writes to a Rasa conversation from outside the dialogue: customer messages logged without an answer,
bot actions run on purpose, agent lines appended; always under the conversation's lock."""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet


async def _log(processor: Any, message: UserMessage) -> None:
    """Log the message with its NLU parse and fill slots from it (language, phone), without predicting."""
    tracker = await processor.log_message(message, should_save_tracker=False)
    tracker = await processor.run_action_extract_slots(message.output_channel, tracker)
    await processor.save_tracker(tracker)


async def log_customer_message(agent: Any, message: UserMessage) -> None:
    """Record the customer's message (understood by the NLU) in the conversation; the bot does not answer."""
    async with agent.lock_store.lock(message.sender_id):
        await _log(agent.processor, message)


async def run_bot_action(
    agent: Any,
    sender_id: str,
    action: str,
    output: OutputChannel,
    message: UserMessage | None = None,
    slots: dict[str, Any] | None = None,
) -> None:
    """Log `message` (if any), set `slots`, run `action` answering through `output`, then listen again."""
    processor = agent.processor
    async with agent.lock_store.lock(sender_id):
        if message is not None:
            await _log(processor, message)
        if slots:
            tracker = await processor.get_tracker(sender_id)
            for name, value in slots.items():
                tracker.update(SlotSet(name, value), processor.domain)
            await processor.save_tracker(tracker)
        prediction = PolicyPrediction.for_action_name(processor.domain, action)
        await processor.execute_action(sender_id, action, output, processor.nlg, prediction)
        tracker = await processor.get_tracker(sender_id)
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME), processor.domain)
        await processor.save_tracker(tracker)


async def append_events(agent: Any, sender_id: str, events: list[Event]) -> None:
    """Append events (e.g. an agent's line as BotUttered) to the conversation."""
    processor = agent.processor
    async with agent.lock_store.lock(sender_id):
        tracker = await processor.get_tracker(sender_id)
        for event in events:
            tracker.update(event, processor.domain)
        await processor.save_tracker(tracker)


async def conversation_facts(agent: Any, sender_id: str) -> tuple[str | None, str | None]:
    """(the channel the customer last wrote on, the customer's language) of a conversation."""
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return None, None
    return tracker.get_latest_input_channel(), tracker.get_slot("language")


def agent_line(text: str, agent_name: str, marker: str | None = None) -> BotUttered:
    """An agent's message (or a join/leave marker) as the tracker records it."""
    metadata: dict[str, Any] = {"agent_name": agent_name}
    if marker:
        metadata["marker"] = marker
    return BotUttered(text, metadata=metadata)
