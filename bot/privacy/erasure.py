"""Erasing personal data: tickets keep their figures for statistics, texts and identities go.

A ticket keeps reference, category, secondary category, status, priority, channel name, language, vehicle
model, part, dealer, service date, amounts, mileage, its timestamps, handoff times and CSAT score; it loses
name, phone, VIN, plate, location and coordinates, description, resolution and CSAT comment, its
conversation id (and the intake key made from it), its transcript, attachments (files too) and the values
in its audit trail; `anonymised_at` records when. The customer's conversations are deleted from Rasa's
tracker store and from the channel tables that name them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Connection

from bot.db.column_types import utc_now
from bot.privacy.subject import rasa_events
from bot.tickets.models import Attachment, Base, EventKind, Ticket, TicketEvent, TicketMessage

logger = logging.getLogger(__name__)

ANONYMISED = "anonymised"
PERSONAL_TICKET_FIELDS = (
    "customer_name",
    "phone",
    "vin",
    "license_plate",
    "location",
    "latitude",
    "longitude",
    "description",
    "resolution",
    "csat_comment",
)
# Audit entries whose detail holds only statuses; every other kind's detail may quote personal values.
_KEPT_EVENT_DETAILS = {EventKind.STATUS_CHANGED.value, EventKind.CREATED.value}
# Other packages' tables naming a conversation (present only when their models are loaded).
_CONVERSATION_COLUMNS = {
    "shared_locations": "conversation_id",
    "delivery_failures": "conversation_id",
    "webchat_inbox": "conversation_id",
    "conversation_owners": "sender_id",
}
_TELEGRAM_CHAT_COLUMNS = {"telegram_updates": "chat_id", "telegram_buttons": "chat_id"}
TELEGRAM_PREFIX = "tg-"


def _table(name: str) -> Table | None:
    """One of our tables by name, if some loaded model module defines it."""
    return Base.metadata.tables.get(name)


def _remove_files(paths: Iterable[str]) -> int:
    """Delete attachment files; return how many were there."""
    removed = 0
    for path in paths:
        try:
            Path(path).unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("could not delete an attachment file")
    return removed


def anonymise_tickets(connection: Connection, ticket_ids: list[int]) -> dict[str, int]:
    """Erase the personal fields, transcript, attachments and audit values of these tickets."""
    if not ticket_ids:
        return {"tickets": 0, "transcript_lines": 0, "attachments": 0}
    now = utc_now()
    tickets = Ticket.__table__
    references = connection.execute(
        select(tickets.c.id, tickets.c.reference).where(tickets.c.id.in_(ticket_ids))
    )
    for ticket_id, reference in references.all():
        connection.execute(
            update(tickets)
            .where(tickets.c.id == ticket_id)
            .values(
                **dict.fromkeys(PERSONAL_TICKET_FIELDS),
                customer_id=None,
                sender_id=ANONYMISED,
                conversation_key=f"{ANONYMISED}:{reference}",
                anonymised_at=now,
                updated_at=now,
            )
        )
    lines = connection.execute(
        delete(TicketMessage.__table__).where(TicketMessage.__table__.c.ticket_id.in_(ticket_ids))
    ).rowcount
    events = TicketEvent.__table__
    connection.execute(
        update(events)
        .where(events.c.ticket_id.in_(ticket_ids), events.c.kind.not_in(_KEPT_EVENT_DETAILS))
        .values(detail={ANONYMISED: True})
    )
    attachments = Attachment.__table__
    paths = connection.execute(
        select(attachments.c.storage_path).where(attachments.c.ticket_id.in_(ticket_ids))
    ).scalars()
    files = _remove_files(list(paths))
    connection.execute(delete(attachments).where(attachments.c.ticket_id.in_(ticket_ids)))
    return {"tickets": len(ticket_ids), "transcript_lines": lines, "attachments": files}


def delete_conversations(connection: Connection, sender_ids: list[str]) -> dict[str, int]:
    """Delete these conversations' tracker events and every channel row that names them."""
    if not sender_ids:
        return {"conversation_events": 0}
    counts = {"conversation_events": 0}
    events = rasa_events(connection)
    if events is not None:
        counts["conversation_events"] = connection.execute(
            delete(events).where(events.c.sender_id.in_(sender_ids))
        ).rowcount
    attachments = Attachment.__table__
    paths = connection.execute(
        select(attachments.c.storage_path).where(attachments.c.conversation_id.in_(sender_ids))
    ).scalars()
    _remove_files(list(paths))
    connection.execute(delete(attachments).where(attachments.c.conversation_id.in_(sender_ids)))
    for name, column in _CONVERSATION_COLUMNS.items():
        table = _table(name)
        if table is not None:
            connection.execute(delete(table).where(table.c[column].in_(sender_ids)))
    chats = [
        int(s[len(TELEGRAM_PREFIX) :])
        for s in sender_ids
        if s.startswith(TELEGRAM_PREFIX) and s[3:].lstrip("-").isdigit()
    ]
    for name, column in _TELEGRAM_CHAT_COLUMNS.items():
        table = _table(name)
        if table is not None and chats:
            connection.execute(delete(table).where(table.c[column].in_(chats)))
    return counts
