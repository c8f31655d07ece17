"""Database unreachable: the turn is refused (and the customer asked to resend), never kept only in memory.

Rasa wraps every tracker store in `FailSafeTrackerStore`. When the database fails, its `retrieve` returns
None, so the message is handled as the first of a new conversation (a half-filled form is forgotten),
and its `save` writes to an in-memory store that nothing ever reads back into the database: the turn is
gone when the process restarts, and lost at once on the next read. With this fix, every tracker store
failure is logged as an error and raised as `TrackerStoreUnavailable`. The message is not handled, so
nothing is half-done: the channel answers with its apology in the customer's language, which asks them to
send the message again in a moment (bot/channels/dispatch.py). Connections are checked before use
(pool_pre_ping), so the server serves again by itself as soon as the database is back; a resent message
is handled against the state saved before the outage, and a ticket filed just before a failed save is
found again by its intake key rather than filed twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import rasa
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

_SUPPORTED_RASA = "3.6."


class TrackerStoreUnavailable(RasaException):
    """The conversation store (the database) could not be read or written."""


def _refuse(
    store: FailSafeTrackerStore, doing: str, subject: str, error: Exception
) -> TrackerStoreUnavailable:
    """Log the failure once, with its cause, and build the exception that refuses the turn."""
    name = type(store._tracker_store).__name__
    logger.error(
        "the conversation store (%s) failed while %s %s; the message is not handled and the customer is "
        "asked to send it again: %s: %s",
        name,
        doing,
        subject,
        type(error).__name__,
        error,
    )
    return TrackerStoreUnavailable(f"{name} failed while {doing} {subject}")


async def retrieve(self: FailSafeTrackerStore, sender_id: str) -> DialogueStateTracker | None:
    """The primary store's tracker, or TrackerStoreUnavailable (never None for a failure)."""
    try:
        return await self._tracker_store.retrieve(sender_id)
    except Exception as error:
        raise _refuse(self, "reading conversation", sender_id, error) from error


async def retrieve_full_tracker(self: FailSafeTrackerStore, sender_id: str) -> DialogueStateTracker | None:
    """The primary store's full tracker, or TrackerStoreUnavailable."""
    try:
        return await self._tracker_store.retrieve_full_tracker(sender_id)
    except Exception as error:
        raise _refuse(self, "reading the full conversation", sender_id, error) from error


async def save(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
    """Save in the primary store, or TrackerStoreUnavailable (never a silent in-memory copy)."""
    try:
        await self._tracker_store.save(tracker)
    except Exception as error:
        raise _refuse(self, "saving conversation", tracker.sender_id, error) from error


async def keys(self: FailSafeTrackerStore) -> Iterable[str]:
    """The primary store's conversation ids, or TrackerStoreUnavailable."""
    try:
        return await self._tracker_store.keys()
    except Exception as error:
        raise _refuse(self, "listing", "conversations", error) from error


def install() -> None:
    """Make tracker store failures in this process refuse the turn instead of falling back to memory."""
    if not rasa.__version__.startswith(_SUPPORTED_RASA):
        raise RuntimeError(
            f"tracker_store_failures patches Rasa {_SUPPORTED_RASA}x, found {rasa.__version__}"
        )
    for name in ("retrieve", "retrieve_full_tracker", "save", "keys"):
        if not callable(getattr(FailSafeTrackerStore, name, None)):
            raise RuntimeError(f"tracker_store_failures: Rasa has no FailSafeTrackerStore.{name} any more")
    FailSafeTrackerStore.retrieve = retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker  # type: ignore[method-assign]
    FailSafeTrackerStore.save = save  # type: ignore[method-assign]
    FailSafeTrackerStore.keys = keys  # type: ignore[method-assign]
