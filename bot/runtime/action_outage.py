"""Action server down or slow: the customer hears within seconds that the message is kept, and it is replayed.

Rasa waits up to 300 s (DEFAULT_REQUEST_TIMEOUT) for the action server, then logs the failure, drops the
action's events and goes on predicting: the customer hears nothing, a form keeps an answer it never
validated, and the message is never looked at again. With this fix installed:

- A call to the action server gives up after ACTION_TIMEOUT_S (default 5 s). A failed connection (nothing
  reached the server, or it dropped a kept-alive connection on restart) is retried twice within that
  budget; every action of ours may be repeated (validations are pure, filing is idempotent per intake),
  but a call that timed out is not repeated in the same turn, the action may still be running.
- Once the action server is unreachable or too slow in a turn, the turn stops. Its effects are rolled back
  except the customer's message, which stays in the tracker marked as pending, and the customer is told in
  their language that the message is kept and the conversation continues when they write again.
- The next turn of the conversation first replays pending messages (a copy of each, marked as a replay of
  it), then handles the new one: the form resumes where it was and nothing the customer wrote is lost.
- An action that fails with an HTTP error (a bug in the action, not an outage) keeps Rasa's behaviour.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.constants import Language, Slot
from bot.runtime.outage_markers import NOTICE_KEY, NOTICE_NAME, PENDING_KEY, REPLAY_OF_KEY

logger = logging.getLogger(__name__)

ACTION_TIMEOUT_ENV = "ACTION_TIMEOUT_S"
DEFAULT_ACTION_TIMEOUT_S = 5.0
CONNECT_ATTEMPTS = 3
# A kept message whose replay timed out this many times is not replayed again (see pending_messages).
MAX_REPLAYS = 3
# BotUttered metadata of a notice: the key of the kept message whose replay timed out in that turn.
TIMED_OUT_REPLAY_KEY = "timed_out_replay_of"
RETRY_PAUSE_S = 0.3
# Status codes of a proxy in front of action servers (nginx) when none answers: the same as no server.
_UNAVAILABLE_STATUSES = frozenset({502, 503, 504})

NOTICE = {
    Language.ZH.value: "抱歉,系统暂时无法处理您的消息。您的消息已经保存,服务恢复后会从这里继续:"
    "请稍后再发一条消息(任意内容都可以),我们会先处理您刚才的消息。",
    Language.EN.value: "Sorry, our system can't handle your message right now. Your message is saved and "
    "we'll carry on from here once the service is back: send another message (anything) in a moment "
    "and we'll first deal with the one you just sent.",
}

_SUPPORTED_RASA = "3.6."


class ActionServerUnavailable(RasaException):
    """The action server did not answer in time or could not be reached."""


@dataclass
class _Turn:
    """What this fix tracks while one message is handled."""

    output: OutputChannel | None
    replayed: bool = False  # pending messages were looked at
    start: int | None = None  # index of the first tracker event of the message being handled
    outage: str | None = None  # why the action server failed, once it did
    timed_out: bool = False  # the failure was a timeout (not an unreachable server)
    replaying: str | None = None  # key of the kept message being replayed


_TURN: contextvars.ContextVar[_Turn | None] = contextvars.ContextVar("bot_action_turn", default=None)

_rasa_run = RemoteAction.run
_rasa_handle_message = MessageProcessor.handle_message
_rasa_fetch = MessageProcessor.fetch_tracker_and_update_session
_rasa_should_handle = MessageProcessor._should_handle_message
_rasa_save = MessageProcessor.save_tracker


def action_timeout() -> float:
    """Seconds one call to the action server may take (ACTION_TIMEOUT_S, default 5)."""
    try:
        value = float(os.environ.get(ACTION_TIMEOUT_ENV) or DEFAULT_ACTION_TIMEOUT_S)
    except ValueError:
        return DEFAULT_ACTION_TIMEOUT_S
    return value if value > 0 else DEFAULT_ACTION_TIMEOUT_S


def _unavailable_status(error: BaseException) -> int | None:
    """The status of a proxy's 'no action server' answer behind Rasa's exception, if that is what it was."""
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientResponseError) and cause.status in _UNAVAILABLE_STATUSES:
        return cause.status
    return None


def _connection_failed(error: BaseException) -> bool:
    """Whether Rasa's exception stands for a connection that failed (the action server is not there)."""
    cause = error.__cause__ or error.__context__
    return isinstance(cause, aiohttp.ClientConnectionError)


async def run_with_deadline(
    action: RemoteAction, output_channel: OutputChannel, nlg: Any, tracker: DialogueStateTracker, domain: Any
) -> list[Event]:
    """Rasa's RemoteAction.run with a deadline and retried connections; ActionServerUnavailable on outage."""
    turn = _TURN.get()
    if turn is not None and turn.outage:
        raise ActionServerUnavailable(turn.outage)
    timeout = action_timeout()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            return await asyncio.wait_for(
                _rasa_run(action, output_channel, nlg, tracker, domain), max(deadline - loop.time(), 0.01)
            )
        except asyncio.TimeoutError:
            reason = f"the action server did not answer within {timeout:g} s"
            if turn is not None:
                turn.timed_out = True
            break
        except RasaException as error:
            status = _unavailable_status(error)
            if status is not None:
                reason = f"the action server's proxy answered {status}"
                break
            if not _connection_failed(error):
                raise
            reason = "the action server could not be reached"
            if attempt < CONNECT_ATTEMPTS and deadline - loop.time() > RETRY_PAUSE_S:
                await asyncio.sleep(RETRY_PAUSE_S * attempt)
                continue
            break
    logger.error(
        "action %s for %s: %s; the customer's message is kept and replayed on their next message",
        action.name(),
        tracker.sender_id,
        reason,
    )
    if turn is not None:
        turn.outage = reason
    raise ActionServerUnavailable(reason)


def message_key(event: UserUttered) -> str:
    """What identifies a customer's message across its replays."""
    return event.message_id or f"{event.timestamp:.6f}"


def pending_messages(events: list[Event]) -> list[UserUttered]:
    """Messages kept during an outage that no replay has handled yet, oldest first.

    A message whose own replay timed out MAX_REPLAYS times (each such notice names it) is given up, so
    that one message the action server never answers in time does not hold the conversation forever; it
    stays in the conversation, for an agent to read. An unreachable server is no fault of the message and
    does not count.
    """
    users = [e for e in events if isinstance(e, UserUttered)]
    replayed = {(e.metadata or {}).get(REPLAY_OF_KEY) for e in users}
    pending = []
    for position, event in enumerate(events):
        if not isinstance(event, UserUttered) or not (event.metadata or {}).get(PENDING_KEY):
            continue
        key = message_key(event)
        if key in replayed:
            continue
        timeouts = sum(1 for later in events[position + 1 :] if _timed_out_replaying(later, key))
        if timeouts >= MAX_REPLAYS:
            continue
        pending.append(event)
    return pending


def _timed_out_replaying(event: Event, key: str) -> bool:
    """Whether the event is a notice after the replay of message `key` timed out."""
    return isinstance(event, BotUttered) and (event.metadata or {}).get(TIMED_OUT_REPLAY_KEY) == key


def _with_metadata(event: UserUttered, metadata: dict[str, Any], timestamp: float | None = None) -> Event:
    """A copy of the message with other metadata (and a new timestamp if given)."""
    data = event.as_dict()
    data["metadata"] = metadata
    if timestamp is not None:
        data["timestamp"] = timestamp
    copy = Event.from_parameters(data)
    assert copy is not None
    return copy


def replay_copy(event: UserUttered) -> Event:
    """The message again, now, marked as the replay of the kept one."""
    metadata = {k: v for k, v in (event.metadata or {}).items() if k != PENDING_KEY}
    return _with_metadata(event, {**metadata, REPLAY_OF_KEY: message_key(event)}, time.time())


def _kept(event: UserUttered, reason: str) -> Event:
    """The message marked as pending."""
    return _with_metadata(event, {**(event.metadata or {}), PENDING_KEY: reason})


def notice_language(tracker: DialogueStateTracker, texts: list[str]) -> str:
    """The language of the customer's latest words, else of the conversation, else Chinese."""
    from bot.nlu.language import detect_language

    for text in reversed(texts):
        detected = detect_language(text[:500]) if text else None
        if detected is not None:
            return detected.value
    slot = tracker.get_slot(Slot.LANGUAGE.value)
    return str(slot) if slot in NOTICE else Language.ZH.value


async def handle_message(processor: MessageProcessor, message: UserMessage) -> Any:
    """Rasa's handle_message with this fix's bookkeeping for the turn."""
    token = _TURN.set(_Turn(message.output_channel))
    try:
        return await _rasa_handle_message(processor, message)
    finally:
        _TURN.reset(token)


async def fetch_tracker_and_update_session(
    processor: MessageProcessor,
    sender_id: str,
    output_channel: OutputChannel | None = None,
    metadata: dict[str, Any] | None = None,
) -> DialogueStateTracker:
    """Rasa's fetch; within a turn, messages kept during an outage are then replayed before the new one."""
    tracker = await _rasa_fetch(processor, sender_id, output_channel, metadata)
    turn = _TURN.get()
    if turn is None or turn.replayed:
        return tracker
    turn.replayed = True
    for event in pending_messages(list(tracker.events)):
        turn.start = len(tracker.events)
        turn.replaying = message_key(event)
        logger.info("replaying a message of %s kept while the action server was out", sender_id)
        tracker.update(replay_copy(event), processor.domain)
        assert output_channel is not None
        tracker = await processor.run_action_extract_slots(output_channel, tracker)
        await processor._run_prediction_loop(output_channel, tracker)
        if turn.outage:
            return tracker
    turn.start = len(tracker.events)
    turn.replaying = None
    return tracker


def _should_handle_message(tracker: DialogueStateTracker) -> bool:
    """Rasa's check, and no further actions in a turn once the action server failed."""
    turn = _TURN.get()
    if turn is not None and turn.outage:
        return False
    return bool(_rasa_should_handle(tracker))


async def save_tracker(processor: MessageProcessor, tracker: DialogueStateTracker) -> None:
    """Rasa's save; after an outage, the turn is rolled back to the kept message and the customer told."""
    turn = _TURN.get()
    if turn is not None and turn.outage and turn.start is not None:
        tracker = await _keep_for_later(processor, tracker, turn)
    await _rasa_save(processor, tracker)


async def _keep_for_later(
    processor: MessageProcessor, tracker: DialogueStateTracker, turn: _Turn
) -> DialogueStateTracker:
    """The tracker before the failed message, plus the customer's new messages marked pending and a notice."""
    assert turn.start is not None and turn.outage is not None
    events = list(tracker.events)
    before, during = events[: turn.start], events[turn.start :]
    new_messages = [
        e for e in during if isinstance(e, UserUttered) and REPLAY_OF_KEY not in (e.metadata or {})
    ]
    kept = [_kept(e, turn.outage) for e in new_messages]
    texts = [e.text or "" for e in (*pending_messages(before), *new_messages)]
    restored = DialogueStateTracker.from_events(
        tracker.sender_id, [*before, *kept], processor.domain.slots, sender_source=tracker.sender_source
    )
    text = NOTICE[notice_language(restored, texts)]
    metadata: dict[str, Any] = {NOTICE_KEY: NOTICE_NAME}
    if turn.timed_out and turn.replaying:
        metadata[TIMED_OUT_REPLAY_KEY] = turn.replaying
    restored.update(BotUttered(text, metadata=metadata))
    if turn.output is not None:
        try:
            await turn.output.send_text_message(tracker.sender_id, text)
        except Exception:
            logger.exception("could not tell %s that the message is kept", tracker.sender_id)
    return restored


def _check_rasa() -> None:
    """Refuse to patch a Rasa whose internals this module was not written against."""
    if not rasa.__version__.startswith(_SUPPORTED_RASA):
        raise RuntimeError(
            f"action_outage patches Rasa {_SUPPORTED_RASA}x internals, found {rasa.__version__}"
        )
    for owner, name in (
        (RemoteAction, "run"),
        (MessageProcessor, "handle_message"),
        (MessageProcessor, "fetch_tracker_and_update_session"),
        (MessageProcessor, "_should_handle_message"),
        (MessageProcessor, "save_tracker"),
        (MessageProcessor, "run_action_extract_slots"),
        (MessageProcessor, "_run_prediction_loop"),
    ):
        if not callable(getattr(owner, name, None)):
            raise RuntimeError(f"action_outage: Rasa has no {owner.__name__}.{name} any more")


def install() -> None:
    """Give every turn in this process the deadline, the notice and the replay of kept messages."""
    _check_rasa()
    RemoteAction.run = run_with_deadline  # type: ignore[method-assign]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    MessageProcessor.fetch_tracker_and_update_session = fetch_tracker_and_update_session  # type: ignore[method-assign]
    MessageProcessor._should_handle_message = staticmethod(_should_handle_message)  # type: ignore[method-assign]
    MessageProcessor.save_tracker = save_tracker  # type: ignore[method-assign]
