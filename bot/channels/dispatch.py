"""The one path from a customer's message to Rasa, shared by every customer channel.

rate limit -> button check / input guard -> handoff gate -> Rasa, with failures answered and logged.

- Rate limit: per sender, messages per minute from CHANNEL_RATE_LIMIT_PER_MINUTE; every message counts
  (also empty ones), and a refused one gets a polite slow-down notice without touching Rasa.
- Buttons: a channel passes a pressed button as `payload`. It reaches Rasa unchanged only if the bot issued
  that payload to that sender (recorded as buttons go out, or found in the conversation after a restart);
  anything else is treated as typed text, and typed text never reaches Rasa as "/intent{...}".
- Handoff gate (issue 8): before Rasa, the gate may take the message (an agent owns the conversation).
  Provide `bot/handoff/gate.py` with `async def consult(message, text, output) -> bool`, or call
  `install_handoff_gate(gate)`; without either, every message goes to Rasa.
- The channel is recorded as the UserMessage's `input_channel` (the ticket's `channel`) and in its metadata.
- A failure inside handling, a handling that overruns CHANNEL_HANDLING_TIMEOUT_S, or a turn in which the bot
  said nothing, is logged and answered with an apology in the customer's language.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels.guard import GuardedMessage, Verdict, guard, strip_controls
from bot.channels.issued_buttons import ISSUED, IssuedButtons, RecordingOutput, issued_in_tracker
from bot.channels.notices import APOLOGY, SLOW_DOWN, customer_language
from bot.channels.ratelimit import RateLimiter
from bot.channels.system_replies import system_reply

logger = logging.getLogger(__name__)

HANDLING_TIMEOUT_ENV = "CHANNEL_HANDLING_TIMEOUT_S"
DEFAULT_HANDLING_TIMEOUT_S = 120.0
HANDOFF_GATE_MODULE = "bot.handoff.gate"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class CustomerMessage:
    """One message from a customer as a channel received it, before any check."""

    channel: str
    sender_id: str
    text: str | None = None
    payload: str | None = None  # the payload of a pressed button, as the client reports it
    metadata: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None  # Rasa's message_id of the customer's message (None: Rasa makes one)


class Outcome(Enum):
    """What became of a message."""

    HANDLED = "handled"  # Rasa answered
    GUARDED = "guarded"  # empty or too long: answered by the channel
    RATE_LIMITED = "rate_limited"
    HANDED_OFF = "handed_off"  # the handoff gate took it
    FAILED = "failed"  # apologised


class HandoffGate(Protocol):
    """Issue 8's hook: True when the gate took the message and Rasa must not see it."""

    async def __call__(self, message: CustomerMessage, text: str, output: OutputChannel) -> bool:
        """Consult the gate for a checked message whose cleaned text is `text`."""
        ...


_installed_gate: HandoffGate | None = None
_gate_looked_up = False


def install_handoff_gate(gate: HandoffGate | None) -> None:
    """Use `gate` before Rasa for every channel (None: no gate)."""
    global _installed_gate, _gate_looked_up
    _installed_gate, _gate_looked_up = gate, True


def handoff_gate() -> HandoffGate | None:
    """The installed gate, else `consult` of bot/handoff/gate.py when that module exists."""
    global _installed_gate, _gate_looked_up
    if not _gate_looked_up:
        _gate_looked_up = True
        try:
            module = importlib.import_module(HANDOFF_GATE_MODULE)
        except ModuleNotFoundError as error:
            if error.name not in (HANDOFF_GATE_MODULE, HANDOFF_GATE_MODULE.rsplit(".", 1)[0]):
                raise
        else:
            _installed_gate = getattr(module, "consult", None)
    return _installed_gate


def handling_timeout() -> float:
    """Seconds one message may take before the customer gets an apology."""
    try:
        return float(os.environ.get(HANDLING_TIMEOUT_ENV) or DEFAULT_HANDLING_TIMEOUT_S)
    except ValueError:
        return DEFAULT_HANDLING_TIMEOUT_S


class Dispatcher:
    """Checks and forwards customer messages of one channel; one per channel instance."""

    def __init__(
        self, channel: str, limiter: RateLimiter | None = None, issued: IssuedButtons = ISSUED
    ) -> None:
        """Dispatch messages recorded as coming from `channel` (`web`, `telegram`)."""
        self.channel = channel
        self.limiter = limiter or RateLimiter()
        self.issued = issued

    async def dispatch(
        self,
        message: CustomerMessage,
        output: OutputChannel,
        on_new_message: OnNewMessage,
        agent: Any | None = None,
    ) -> Outcome:
        """Answer one message through `output`; never raises for a failure inside handling."""
        sender = message.sender_id
        recording = output if isinstance(output, RecordingOutput) else RecordingOutput(output, self.issued)
        if not self.limiter.allow(sender):
            logger.info("rate limit: refused a message of %s on %s", sender, self.channel)
            await self._notice(recording, agent, message, SLOW_DOWN)
            return Outcome.RATE_LIMITED
        try:
            return await asyncio.wait_for(
                self._handle(message, recording, on_new_message, agent), handling_timeout()
            )
        except Exception:  # TimeoutError included: a customer is never left without an answer
            logger.exception("handling a message of %s on %s failed", sender, self.channel)
            await self._notice(recording, agent, message, APOLOGY)
            return Outcome.FAILED

    async def _handle(
        self,
        message: CustomerMessage,
        output: RecordingOutput,
        on_new_message: OnNewMessage,
        agent: Any | None,
    ) -> Outcome:
        """Guard or verify the message, then hand it to the gate and Rasa."""
        guarded, is_button = await self._checked_text(message, agent)
        if guarded.verdict is not Verdict.PASS:
            reply = await system_reply(agent, message.sender_id, guarded, output.name()) if agent else None
            if reply:
                await output.send_response(
                    message.sender_id, {k: v for k, v in reply.items() if k != "recipient_id"}
                )
            return Outcome.GUARDED
        return await self._forward(message, guarded.text, is_button, output, on_new_message)

    async def _checked_text(self, message: CustomerMessage, agent: Any | None) -> tuple[GuardedMessage, bool]:
        """(the text for Rasa with the guard's verdict, whether it is a verified button payload)."""
        if message.payload is not None:
            payload = strip_controls(str(message.payload)).strip()
            if payload and await self._was_issued(message.sender_id, payload, agent):
                return GuardedMessage(payload, Verdict.PASS), True
            logger.warning("%s sent a button payload the bot never issued; read as text", message.sender_id)
            return guard(message.payload if message.text is None else message.text), False
        return guard(message.text), False

    async def _was_issued(self, sender: str, payload: str, agent: Any | None) -> bool:
        """Whether the bot sent this sender a button with this payload (memory, else the conversation)."""
        if self.issued.issued(sender, payload):
            return True
        if agent is None:
            return False
        tracker = await agent.tracker_store.retrieve(sender)
        return tracker is not None and issued_in_tracker(list(tracker.events), payload)

    async def _forward(
        self,
        message: CustomerMessage,
        text: str,
        is_button: bool,
        output: RecordingOutput,
        on_new_message: OnNewMessage,
    ) -> Outcome:
        """Consult the handoff gate, then Rasa; a turn without any reply counts as a failure."""
        gate = handoff_gate()
        if gate is not None and await gate(message, text, output):
            return Outcome.HANDED_OFF
        metadata = {**message.metadata, "channel": self.channel}
        if is_button:
            metadata["button"] = True
        before = output.sent
        await on_new_message(
            UserMessage(
                text,
                output,
                message.sender_id,
                input_channel=self.channel,
                message_id=message.message_id,
                metadata=metadata,
            )
        )
        if output.sent == before:
            raise RuntimeError("the assistant sent no reply")
        return Outcome.HANDLED

    async def _notice(
        self, output: OutputChannel, agent: Any | None, message: CustomerMessage, texts: dict[str, str]
    ) -> None:
        """Send one of the channel's own notices in the customer's language; log if even that fails."""
        try:
            language = await customer_language(agent, message.sender_id, message.text)
            await output.send_text_message(message.sender_id, texts[language])
        except Exception:
            logger.exception("could not send a notice to %s on %s", message.sender_id, self.channel)
