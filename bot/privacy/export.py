"""A customer's copy of everything held about them (PIPL right of access), as one JSON document."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.db.column_types import utc_now
from bot.db.engine import shared_engine
from bot.privacy.audit import record
from bot.privacy.subject import Subject, e164, find_subject, rasa_events
from bot.tickets.models import Customer, Ticket
from bot.tickets.serialize import ticket_to_dict

# Conversation events a person wrote or was told; the rest is the assistant's bookkeeping.
_SPOKEN = {"user": "customer", "bot": "bot"}


def _iso(timestamp: float | None) -> str | None:
    """A Rasa event timestamp as ISO UTC."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(float(timestamp), tz=dt.timezone.utc).isoformat()


def _conversations(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """Each conversation's lines (customer and bot texts, with times) from Rasa's tracker store."""
    connection = session.connection()
    events = rasa_events(connection)
    if events is None or not subject.sender_ids:
        return []
    query = (
        select(events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.data)
        .where(events.c.sender_id.in_(subject.sender_ids), events.c.type_name.in_(list(_SPOKEN)))
        .order_by(events.c.sender_id, events.c.id)
    )
    lines: dict[str, list[dict[str, Any]]] = {sender: [] for sender in subject.sender_ids}
    for row in connection.execute(query):
        text = json.loads(row.data).get("text")
        if text:
            lines[row.sender_id].append(
                {"role": _SPOKEN[row.type_name], "text": text, "at": _iso(row.timestamp)}
            )
    return [{"conversation_id": sender, "lines": lines[sender]} for sender in subject.sender_ids]


def export_customer(url: str, phone: str, actor: str) -> dict[str, Any]:
    """Everything held about the customer with this phone; the export is recorded in the privacy audit."""
    phone = e164(phone)
    with Session(shared_engine(url), future=True) as session, session.begin():
        subject = find_subject(session.connection(), phone)
        customer = session.get(Customer, subject.customer_id) if subject.customer_id else None
        tickets = (
            session.execute(
                select(Ticket)
                .where(Ticket.id.in_(subject.ticket_ids))
                .options(selectinload(Ticket.attachments))
                .order_by(Ticket.id)
            )
            .scalars()
            .all()
        )
        document = {
            "exported_at": utc_now().isoformat(),
            "phone": phone,
            "customer": None
            if customer is None
            else {
                "name": customer.name,
                "phone": customer.phone,
                "language": customer.language,
                "created_at": customer.created_at.isoformat(),
            },
            "tickets": [ticket_to_dict(ticket) for ticket in tickets],
            "conversations": _conversations(session, subject),
        }
        record(
            session,
            "export",
            phone,
            actor,
            {"tickets": len(tickets), "conversations": len(subject.sender_ids)},
        )
    return document
