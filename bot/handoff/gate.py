"""The handoff gate, consulted by bot.channels.dispatch before Rasa for every customer message.

- The conversation is with the queue or an agent: the message (and any photo) goes to the ticket and is logged
  in the conversation; the bot does not answer. While queued, "算了,不用人工了" / "never mind" returns the
  customer to the bot, the ticket kept.
- The conversation is with the bot: a clearly angry customer, or one saying a case resolved in the last 7 days
  is not solved, is handed to an agent at once (the case reopened).
Ownership lives in the database, not in Rasa's paused flag, so a new Rasa session does not end a handoff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.handoff import records
from bot.handoff.anger import score_anger
from bot.handoff.phrases import says_not_solved, wants_to_leave_queue
from bot.handoff.rasa_conversation import log_customer_message, run_bot_action
from bot.handoff.triggers import HANDOFF_ACTION, HandoffReason

logger = logging.getLogger(__name__)

LEAVE_QUEUE_ACTION = "action_leave_queue"
REASON_SLOT = "handoff_reason"
FILED_TICKET_SLOT = "filed_ticket"

# The Sanic app of the Rasa server (its agent changes when a model is loaded); set by bot.handoff.channel.
_app: Any = None


def attach(app: Any) -> None:
    """Let the gate reach the Rasa agent of `app`."""
    global _app
    _app = app


def _agent() -> Any:
    """The Rasa agent of the attached server, if it is ready."""
    agent = getattr(getattr(_app, "ctx", None), "agent", None)
    return agent if agent is not None and agent.processor is not None else None


def _user_message(message: Any, text: str, output: OutputChannel, **extra: Any) -> UserMessage:
    """The customer's message as Rasa logs it, with the channel and what the gate made of it."""
    metadata = {**dict(message.metadata or {}), "channel": message.channel, **extra}
    return UserMessage(text, output, message.sender_id, input_channel=message.channel, metadata=metadata)


class Route(Enum):
    """Where a customer's message goes."""

    RASA = "rasa"  # the bot answers
    HOLD = "hold"  # to the ticket and the agent; the bot stays silent
    LEAVE_QUEUE = "leave_queue"
    ANGRY = "angry"  # hand off now
    REOPEN = "reopen"  # reopen the recently resolved case and hand off


def route(owner: records.Owner, text: str, resolved_recently: Callable[[], bool]) -> Route:
    """Decide where the message goes (`resolved_recently` is asked only when it matters)."""
    if owner.with_people:
        return Route.LEAVE_QUEUE if owner.queued and wants_to_leave_queue(text) else Route.HOLD
    if says_not_solved(text) and resolved_recently():
        return Route.REOPEN
    anger = score_anger(text)
    if anger.angry:
        logger.info("angry customer (cues %s): handing off", ", ".join(anger.cues))
        return Route.ANGRY
    return Route.RASA


async def consult(message: Any, text: str, output: OutputChannel) -> bool:
    """True when the gate took the message (handoff under way or starting); False: Rasa answers it."""
    agent = _agent()
    if agent is None:
        return False
    sender = message.sender_id
    now = dt.datetime.now(dt.timezone.utc)
    owner = await asyncio.to_thread(records.owner_of, sender)
    recent = (
        await asyncio.to_thread(records.recently_resolved, sender, now) if says_not_solved(text) else None
    )
    decision = route(owner, text, lambda: recent is not None)
    if decision is Route.RASA:
        return False
    if decision is Route.HOLD:
        await _hold(agent, message, text, output, owner)
    elif decision is Route.LEAVE_QUEUE:
        await _leave_queue(agent, message, text, output, owner.reference)
    elif decision is Route.REOPEN and recent is not None:
        await asyncio.to_thread(records.reopen, recent)
        await _hand_off(agent, message, text, output, HandoffReason.REOPENED, recent)
    else:
        await _hand_off(agent, message, text, output, HandoffReason.ANGRY, None)
    return True


async def _hold(agent: Any, message: Any, text: str, output: OutputChannel, owner: records.Owner) -> None:
    """Log the message in the conversation and add it to the ticket; nobody answers but the agent."""
    await log_customer_message(agent, _user_message(message, text, output, handoff=owner.owner))
    await asyncio.to_thread(records.add_customer_message, owner.reference, text)


async def _leave_queue(
    agent: Any, message: Any, text: str, output: OutputChannel, reference: str | None
) -> None:
    """Back to the bot; the ticket is kept (open again, out of the queue)."""
    await asyncio.to_thread(records.leave_queue, message.sender_id, reference)
    await run_bot_action(
        agent,
        message.sender_id,
        LEAVE_QUEUE_ACTION,
        output,
        message=_user_message(message, text, output),
        slots={FILED_TICKET_SLOT: reference} if reference else None,
    )


async def _hand_off(
    agent: Any,
    message: Any,
    text: str,
    output: OutputChannel,
    reason: HandoffReason,
    reference: str | None,
) -> None:
    """Run the handoff action for a trigger decided here (it files or reuses the ticket and queues it)."""
    slots: dict[str, Any] = {REASON_SLOT: reason.value}
    if reference:
        slots[FILED_TICKET_SLOT] = reference
    await run_bot_action(
        agent,
        message.sender_id,
        HANDOFF_ACTION,
        output,
        message=_user_message(message, text, output),
        slots=slots,
    )
