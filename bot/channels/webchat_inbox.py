"""The website chat's inbox: each message the socket takes is written here before it is handled.

A message is recorded (and only then acknowledged to the widget) before it reaches Rasa, marked handled
once its turn is over, and replayed when the server starts again if the process died in between (a
`kill -9` mid-turn). The customer's message, and the turn it started, carry the entry's id (Rasa's
`message_id` and the metadata key INBOX_KEY), so at start-up a turn that was in fact saved is recognised
and not handled twice. A widget that resends a message after a reconnect uses the same client id: the
second copy is refused by the table's unique key and handled once.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.events import Event, UserUttered
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.channels.models import InboxState, WebchatInboxMessage
from bot.db.column_types import utc_now
from bot.db.engine import database_url
from bot.db.store_base import DatabaseStore

INBOX_KEY = "webchat_inbox_id"  # metadata of the customer's message: the inbox entry it came from
MESSAGE_ID_PREFIX = "webchat-inbox-"
INSTANCE_ENV = "WEBCHAT_INSTANCE"
MAX_ERROR_CHARS = 2000
MAX_CLIENT_ID_CHARS = 64


@dataclass(frozen=True)
class InboxEntry:
    """A recorded website message."""

    id: int
    conversation_id: str
    client_id: str
    text: str | None
    payload: str | None
    details: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1  # handlings begun (the first when it was taken, then one per replay)

    @property
    def message_id(self) -> str:
        """Rasa's message_id of the customer's message."""
        return f"{MESSAGE_ID_PREFIX}{self.id}"


def instance_name(port: int | None) -> str:
    """This server process's name in the inbox: WEBCHAT_INSTANCE, else host:port (unique among live ones)."""
    return os.environ.get(INSTANCE_ENV) or f"{socket.gethostname()}:{port or 0}"


def inbox_id_of(event: Event) -> int | None:
    """The inbox entry a customer message of the conversation came from (None: not from the inbox)."""
    if not isinstance(event, UserUttered):
        return None
    value = (event.metadata or {}).get(INBOX_KEY)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    message_id = event.message_id or ""
    if message_id.startswith(MESSAGE_ID_PREFIX) and message_id[len(MESSAGE_ID_PREFIX) :].isdigit():
        return int(message_id[len(MESSAGE_ID_PREFIX) :])
    return None


def last_inbox_id(events: Iterable[Event]) -> int:
    """The newest inbox entry whose message is in the conversation (0 when none is)."""
    return max((i for i in map(inbox_id_of, events) if i is not None), default=0)


def _entry(row: WebchatInboxMessage) -> InboxEntry:
    return InboxEntry(
        row.id,
        row.conversation_id,
        row.client_id,
        row.text,
        row.payload,
        dict(row.details or {}),
        row.attempts,
    )


class WebchatInbox(DatabaseStore):
    """The inbox in the database at `url` (DATABASE_URL by default); blocking calls, run in a thread."""

    def __init__(self, url: str | None = None) -> None:
        """Use the process-wide engine of the database."""
        super().__init__(url or database_url())

    def take(
        self,
        conversation_id: str,
        client_id: str,
        text: str | None,
        payload: str | None,
        details: dict[str, Any],
        taken_by: str,
    ) -> InboxEntry | None:
        """Record a message before it is handled; None when this client id was recorded before."""
        client_id = client_id[:MAX_CLIENT_ID_CHARS]
        # One Core INSERT: an ORM object and its flush cost more CPU than the statement itself.
        query = insert(WebchatInboxMessage).values(
            conversation_id=conversation_id,
            client_id=client_id,
            text=text,
            payload=payload,
            details=details,
            taken_by=taken_by,
            state=InboxState.RECEIVED,
            attempts=1,
            received_at=utc_now(),
        )

        def work(session: Any) -> InboxEntry:
            (entry_id,) = session.execute(query).inserted_primary_key
            return InboxEntry(entry_id, conversation_id, client_id, text, payload, dict(details), 1)

        try:
            return self._write(work)
        except IntegrityError:
            return None

    def start(self, entry_id: int) -> None:
        """Count a handling begun again (a replay)."""
        query = (
            update(WebchatInboxMessage)
            .where(WebchatInboxMessage.id == entry_id)
            .values(attempts=WebchatInboxMessage.attempts + 1)
        )
        self._write(lambda session: session.execute(query))

    def finish(self, entry_id: int, state: str, error: str | None = None) -> None:
        """Mark a message handled (`done`, `failed` after an apology, or `superseded`)."""
        values: dict[str, Any] = {"state": state, "handled_at": utc_now()}
        if error is not None:
            values["error"] = error[:MAX_ERROR_CHARS]
        query = update(WebchatInboxMessage).where(WebchatInboxMessage.id == entry_id).values(**values)
        self._write(lambda session: session.execute(query))

    def state(self, entry_id: int) -> str | None:
        """Where a message stands (None when there is no such entry)."""
        query = select(WebchatInboxMessage.state).where(WebchatInboxMessage.id == entry_id)
        return self._read(lambda session: session.execute(query).scalar_one_or_none())

    def pending(self, taken_by: str, limit: int = 10_000) -> list[InboxEntry]:
        """Messages this process took and did not finish before it stopped, oldest first."""
        query = (
            select(WebchatInboxMessage)
            .where(WebchatInboxMessage.taken_by == taken_by, WebchatInboxMessage.state == InboxState.RECEIVED)
            .order_by(WebchatInboxMessage.id)
            .limit(limit)
        )
        return [_entry(row) for row in self._read(lambda session: list(session.execute(query).scalars()))]

    def unhandled(self, conversation_id: str, after: int = 0) -> list[tuple[InboxEntry, dt.datetime]]:
        """A conversation's messages not handled yet (newer than entry `after`), with when they came."""
        query = (
            select(WebchatInboxMessage)
            .where(
                WebchatInboxMessage.conversation_id == conversation_id,
                WebchatInboxMessage.state == InboxState.RECEIVED,
                WebchatInboxMessage.id > after,
            )
            .order_by(WebchatInboxMessage.id)
        )
        rows = self._read(lambda session: list(session.execute(query).scalars()))
        return [(_entry(row), row.received_at) for row in rows]
