"""Database side of the customer channels: the Telegram update log, issued buttons, shared locations,
attachments waiting for a ticket and delivery failures (tables in bot/channels/models.py)."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.models import DeliveryFailure, SharedLocation, TelegramButton, TelegramUpdate, UpdateState
from bot.db.column_types import utc_now
from bot.db.engine import database_url
from bot.db.store_base import DatabaseStore
from bot.tickets.models import Attachment, Ticket

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class PendingUpdate:
    """An update recorded (and acknowledged) but not yet handled."""

    update_id: int
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class IssuedButton:
    """A button the bot sent to a chat."""

    payload: str
    title: str


class ChannelStore(DatabaseStore):
    """Channel records in the database at `url` (DATABASE_URL by default); blocking calls, run in a thread."""

    def __init__(self, url: str | None = None) -> None:
        """Use the process-wide engine of the database."""
        super().__init__(url or database_url())

    # Telegram update log ------------------------------------------------------------------------------------

    def record_update(self, update_id: int, chat_id: int | None, payload: dict[str, Any]) -> bool:
        """Record an update before it is acknowledged; False when this update_id was recorded before.

        Its handling begins right after, so the record already counts that first attempt (one write less
        per update); a handling after a restart is counted by start_update.
        """
        row = TelegramUpdate(
            update_id=update_id,
            chat_id=chat_id,
            payload=payload,
            state=UpdateState.RECEIVED,
            attempts=1,
            received_at=utc_now(),
        )
        try:
            self._write(lambda session: session.add(row))
        except IntegrityError:
            return False
        return True

    def start_update(self, update_id: int) -> None:
        """Count one more handling attempt of an update (a replay after a restart)."""
        query = (
            update(TelegramUpdate)
            .where(TelegramUpdate.update_id == update_id)
            .values(attempts=TelegramUpdate.attempts + 1)
        )
        self._write(lambda session: session.execute(query))

    def finish_update(self, update_id: int, state: str, error: str | None = None) -> None:
        """Mark an update handled (`done`) or given up (`failed`, the customer got an apology)."""
        values: dict[str, Any] = {"state": state, "handled_at": utc_now()}
        if error is not None:
            values["error"] = error[:MAX_ERROR_CHARS]
        query = update(TelegramUpdate).where(TelegramUpdate.update_id == update_id).values(**values)
        self._write(lambda session: session.execute(query))

    def update_state(self, update_id: int) -> str | None:
        """The state of a recorded update (None when it was never recorded)."""
        query = select(TelegramUpdate.state).where(TelegramUpdate.update_id == update_id)
        return self._read(lambda session: session.execute(query).scalar_one_or_none())

    def update_states(self, update_ids: list[int]) -> dict[int, str]:
        """The states of several recorded updates (those never recorded are left out)."""
        query = select(TelegramUpdate.update_id, TelegramUpdate.state).where(
            TelegramUpdate.update_id.in_(update_ids)
        )
        return self._read(lambda session: {row[0]: row[1] for row in session.execute(query)})

    def pending_updates(self, limit: int = 1000) -> list[PendingUpdate]:
        """Recorded updates not handled yet, oldest first."""
        query = (
            select(TelegramUpdate)
            .where(TelegramUpdate.state == UpdateState.RECEIVED)
            .order_by(TelegramUpdate.update_id)
            .limit(limit)
        )
        rows = self._read(lambda session: list(session.execute(query).scalars()))
        return [PendingUpdate(row.update_id, dict(row.payload), row.attempts) for row in rows]

    # Buttons ------------------------------------------------------------------------------------------------

    def remember_buttons(self, chat_id: int, buttons: list[tuple[str, str, str]]) -> None:
        """Record (token, payload, title) of buttons about to be sent to a chat; known tokens are kept."""

        def work(session: Session) -> None:
            tokens = [token for token, _, _ in buttons]
            known = set(
                session.execute(
                    select(TelegramButton.token).where(
                        TelegramButton.chat_id == chat_id, TelegramButton.token.in_(tokens)
                    )
                ).scalars()
            )
            now = utc_now()
            for token, payload, title in buttons:
                if token not in known:
                    known.add(token)
                    session.add(
                        TelegramButton(
                            chat_id=chat_id, token=token, payload=payload, title=title, issued_at=now
                        )
                    )

        with contextlib.suppress(IntegrityError):  # sent concurrently to the same chat: already recorded
            self._write(work)

    def issued_button(self, chat_id: int, token: str) -> IssuedButton | None:
        """The button behind a callback token, if the bot sent it to this chat."""
        query = select(TelegramButton).where(TelegramButton.chat_id == chat_id, TelegramButton.token == token)
        row = self._read(lambda session: session.execute(query).scalar_one_or_none())
        return IssuedButton(row.payload, row.title) if row else None

    # Delivery failures --------------------------------------------------------------------------------------

    def record_delivery_failure(
        self, channel: str, conversation_id: str, text: str, error: str, attempts: int
    ) -> None:
        """Keep a message that could not be delivered, with the reason."""
        row = DeliveryFailure(
            channel=channel,
            conversation_id=conversation_id,
            text=text,
            error=error[:MAX_ERROR_CHARS],
            attempts=attempts,
            failed_at=utc_now(),
        )
        self._write(lambda session: session.add(row))

    def delivery_failures(self, conversation_id: str) -> list[DeliveryFailure]:
        """Undelivered messages of a conversation, oldest first."""
        query = (
            select(DeliveryFailure)
            .where(DeliveryFailure.conversation_id == conversation_id)
            .order_by(DeliveryFailure.id)
        )
        return self._read(lambda session: list(session.execute(query).scalars()))

    # Attachments and locations ------------------------------------------------------------------------------

    def add_attachment(self, attachment: Attachment) -> int:
        """Store an attachment (with or without its ticket yet); its id."""

        def work(session: Session) -> int:
            session.add(attachment)
            session.flush()
            return int(attachment.id)

        return self._write(work)

    def add_location(self, conversation_id: str, latitude: float, longitude: float) -> None:
        """Keep a shared location until the conversation's next ticket."""
        row = SharedLocation(
            conversation_id=conversation_id, latitude=latitude, longitude=longitude, shared_at=utc_now()
        )
        self._write(lambda session: session.add(row))

    def link_to_tickets(self, conversation_id: str) -> int:
        """Attach the conversation's waiting photos and locations to its tickets; how many were linked.

        A photo goes to the conversation's newest ticket (before any ticket: to the first one filed); a
        location goes onto the first ticket filed after it was shared (the roadside call it answered).
        """
        if not self.has_waiting_items(conversation_id):  # the usual case: a read, no write lock
            return 0

        def work(session: Session) -> int:
            waiting_files = list(
                session.execute(
                    select(Attachment).where(
                        Attachment.conversation_id == conversation_id, Attachment.ticket_id.is_(None)
                    )
                ).scalars()
            )
            waiting_places = list(
                session.execute(
                    select(SharedLocation)
                    .where(
                        SharedLocation.conversation_id == conversation_id, SharedLocation.ticket_id.is_(None)
                    )
                    .order_by(SharedLocation.id)
                ).scalars()
            )
            if not waiting_files and not waiting_places:
                return 0
            tickets = list(
                session.execute(
                    select(Ticket).where(Ticket.sender_id == conversation_id).order_by(Ticket.id)
                ).scalars()
            )
            if not tickets:
                return 0
            linked = 0
            for attachment in waiting_files:
                attachment.ticket_id = tickets[-1].id
                linked += 1
            for place in waiting_places:
                later = [t for t in tickets if t.created_at >= place.shared_at]
                if later:
                    place.ticket_id = later[0].id
                    later[0].latitude, later[0].longitude = place.latitude, place.longitude
                    linked += 1
            return linked

        return self._write(work)

    def has_waiting_items(self, conversation_id: str) -> bool:
        """Whether photos or locations of the conversation wait for a ticket."""

        def work(session: Session) -> bool:
            files = session.execute(
                select(Attachment.id)
                .where(Attachment.conversation_id == conversation_id, Attachment.ticket_id.is_(None))
                .limit(1)
            ).first()
            if files:
                return True
            places = session.execute(
                select(SharedLocation.id)
                .where(SharedLocation.conversation_id == conversation_id, SharedLocation.ticket_id.is_(None))
                .limit(1)
            ).first()
            return places is not None

        return self._read(work)
