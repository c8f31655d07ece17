"""Whose data: a customer named by phone, their tickets and the conversations they wrote in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Table, or_, select
from sqlalchemy.engine import Connection

from bot.nlu.entities import normalise_phone
from bot.tickets.masking import mask_phone
from bot.tickets.models import Base, Customer, Ticket

# Rasa's tracker store table (not ours, so not in Base.metadata); reflected on use.
RASA_EVENTS = "events"


class UnknownPhone(ValueError):
    """The argument is not a phone number."""


def e164(phone: str) -> str:
    """The phone as stored on tickets (+86...), from any way of writing it."""
    normalised = normalise_phone(phone)
    if normalised is None:
        raise UnknownPhone(f"not a phone number: {mask_phone(phone)}")
    return normalised


def subject_hash(phone: str) -> str:
    """What the privacy audit keeps of a phone: its SHA-256 (the audit must outlive the erasure)."""
    return hashlib.sha256(phone.encode()).hexdigest()


@dataclass(frozen=True)
class Subject:
    """A customer's rows: the customer record, their tickets and their conversation ids."""

    phone: str
    customer_id: int | None
    ticket_ids: list[int]
    sender_ids: list[str]


def rasa_events(connection: Connection) -> Table | None:
    """Rasa's `events` table, if the tracker store created it in this database."""
    if not connection.dialect.has_table(connection, RASA_EVENTS):
        return None
    return Table(RASA_EVENTS, Base.metadata.__class__(), autoload_with=connection)


def find_subject(connection: Connection, phone: str) -> Subject:
    """Everything stored under this phone: tickets on it or on its customer, and their conversations.

    Conversations are those that filed these tickets, and any other in which the customer gave the phone
    (a slot was set to it) without filing.
    """
    customer_id = connection.execute(select(Customer.id).where(Customer.phone == phone)).scalar_one_or_none()
    owned = Ticket.phone == phone
    if customer_id is not None:
        owned = or_(owned, Ticket.customer_id == customer_id)
    rows = connection.execute(select(Ticket.id, Ticket.sender_id).where(owned).order_by(Ticket.id)).all()
    senders = {row.sender_id for row in rows}
    events = rasa_events(connection)
    if events is not None:
        # The phone appears in a slot event's JSON as the string value ("+8613812345678").
        query = select(events.c.sender_id).where(
            events.c.type_name == "slot", events.c.data.contains(f'"{phone}"')
        )
        senders |= set(connection.execute(query.distinct()).scalars())
    return Subject(phone, customer_id, [row.id for row in rows], sorted(senders))
