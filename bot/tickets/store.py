"""The ticket store API used by the actions, the CLI and (later) the agent console."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.constants import Role, TicketStatus
from bot.db.column_types import utc_now
from bot.db.store_base import DatabaseStore
from bot.tickets.draft import DETAIL_FIELDS, TicketDraft, column_value, column_values, transcript_lines
from bot.tickets.models import Customer, EventKind, Ticket, TicketEvent, TicketMessage
from bot.tickets.priority import priority_for
from bot.tickets.reference import next_reference, reference_year
from bot.tickets.serialize import ticket_to_dict

__all__ = ["TicketDraft", "TicketStore", "ticket_to_dict"]

logger = logging.getLogger(__name__)

BOT_ACTOR = "bot"
# Concurrent first filings of a year (or of one conversation) collide on a unique key once; retrying wins.
_FILING_ATTEMPTS = 5
# Fields an agent may change with update_field (identity, status and audit columns are not among them).
EDITABLE_FIELDS = frozenset(DETAIL_FIELDS) | {"category"}


class TicketNotFound(LookupError):
    """No ticket has the given reference."""


class TicketStore(DatabaseStore):
    """Tickets in the database at `url` (SQLite or PostgreSQL), migrated by `bot db upgrade`."""

    # Filing -------------------------------------------------------------------------------------------------

    def file_ticket(self, draft: TicketDraft) -> Ticket:
        """File the draft, or return the ticket its conversation key already filed (idempotent)."""
        for attempt in range(1, _FILING_ATTEMPTS + 1):
            existing = self.find_by_key(draft.conversation_key)
            if existing is not None:
                return existing
            try:
                ticket = self._write(lambda session: self._insert(session, draft))
            except IntegrityError:
                if attempt == _FILING_ATTEMPTS:
                    raise
                continue
            logger.info(
                "filed %s (%s, %s) for %s phone %s",
                ticket.reference,
                ticket.category,
                ticket.priority,
                ticket.sender_id,
                ticket.phone,
            )
            return ticket
        raise AssertionError("unreachable")

    def _insert(self, session: Session, draft: TicketDraft) -> Ticket:
        """Insert the ticket, its customer, transcript and `created` event."""
        now = utc_now()
        values = column_values(draft)
        customer = self._customer(session, values["phone"], values["customer_name"], draft.language)
        ticket = Ticket(
            reference=next_reference(session, reference_year(now)),
            category=draft.category,
            status=TicketStatus.OPEN.value,
            priority=priority_for(draft.category, values["description"]).value,
            channel=draft.channel,
            sender_id=draft.sender_id,
            conversation_key=draft.conversation_key,
            language=draft.language,
            customer=customer,
            created_at=now,
            updated_at=now,
            **values,
        )
        ticket.messages = [
            TicketMessage(role=line.role.value, text=line.text, at=line.at)
            for line in transcript_lines(draft)
        ]
        ticket.events = [TicketEvent(kind=EventKind.CREATED.value, actor=BOT_ACTOR, detail={}, at=now)]
        session.add(ticket)
        session.flush()
        return ticket

    @staticmethod
    def _customer(session: Session, phone: str | None, name: str | None, language: str) -> Customer | None:
        """The customer with this phone, created on first contact; a newly given name is kept."""
        if not phone:
            return None
        customer = session.execute(select(Customer).where(Customer.phone == phone)).scalar_one_or_none()
        if customer is None:
            customer = Customer(phone=phone, name=name, language=language, created_at=utc_now())
            session.add(customer)
        else:
            customer.name = name or customer.name
            customer.language = language
        return customer

    # Reading ------------------------------------------------------------------------------------------------

    def get(self, reference: str) -> Ticket | None:
        """The ticket with this reference (with transcript and events)."""
        query = select(Ticket).where(Ticket.reference == reference).options(selectinload(Ticket.events))
        return self._read(lambda session: session.execute(query).scalar_one_or_none())

    def find_by_key(self, conversation_key: str) -> Ticket | None:
        """The ticket an intake (conversation key) filed, if any."""
        query = select(Ticket).where(Ticket.conversation_key == conversation_key)
        return self._read(lambda session: session.execute(query).scalar_one_or_none())

    def find_by_conversation(self, sender_id: str) -> list[Ticket]:
        """Tickets filed from one conversation (sender), oldest first."""
        query = select(Ticket).where(Ticket.sender_id == sender_id).order_by(Ticket.id)
        return self._read(lambda session: list(session.execute(query).scalars()))

    def list(self, status: str | None = None, limit: int | None = None) -> list[Ticket]:
        """Tickets, newest first, optionally of one status."""
        query = select(Ticket).order_by(Ticket.id.desc())
        if status:
            query = query.where(Ticket.status == status)
        if limit:
            query = query.limit(limit)
        return self._read(lambda session: list(session.execute(query).scalars()))

    def status_for_customer(self, reference: str, phone: str) -> str | None:
        """The ticket's status if `phone` (E.164) is the phone on it; None otherwise, whatever the reason."""
        ticket = self.get(reference)
        if ticket is None or not ticket.phone or ticket.phone != phone:
            return None
        return ticket.status

    # Changing (agent console) -------------------------------------------------------------------------------

    def _change(self, reference: str, actor: str, change: Callable[[Session, Ticket], TicketEvent]) -> Ticket:
        """Apply `change` to the ticket, record its event and bump updated_at."""

        def work(session: Session) -> Ticket:
            ticket = session.execute(
                select(Ticket).where(Ticket.reference == reference).with_for_update()
            ).scalar_one_or_none()
            if ticket is None:
                raise TicketNotFound(reference)
            event = change(session, ticket)
            event.ticket_id, event.actor, event.at = ticket.id, actor, utc_now()
            ticket.updated_at = event.at
            session.add(event)
            session.flush()
            return ticket

        return self._write(work)

    def update_field(self, reference: str, name: str, value: Any, actor: str) -> Ticket:
        """Change one detail of the ticket and record old and new value."""
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name!r} cannot be edited")

        def change(session: Session, ticket: Ticket) -> TicketEvent:
            old = getattr(ticket, name)
            new = value if name == "category" else column_value(name, value)
            setattr(ticket, name, new)
            detail = {"field": name, "old": _jsonable(old), "new": _jsonable(new)}
            return TicketEvent(kind=EventKind.FIELD_CHANGED.value, detail=detail)

        return self._change(reference, actor, change)

    def set_status(self, reference: str, status: TicketStatus, actor: str) -> Ticket:
        """Move the ticket to `status`."""

        def change(session: Session, ticket: Ticket) -> TicketEvent:
            detail = {"old": ticket.status, "new": status.value}
            ticket.status = status.value
            return TicketEvent(kind=EventKind.STATUS_CHANGED.value, detail=detail)

        return self._change(reference, actor, change)

    def assign(self, reference: str, agent: str, actor: str) -> Ticket:
        """Give the ticket to an agent."""

        def change(session: Session, ticket: Ticket) -> TicketEvent:
            detail = {"old": ticket.assigned_to, "new": agent}
            ticket.assigned_to = agent
            if ticket.status == TicketStatus.OPEN:
                ticket.status = TicketStatus.ASSIGNED.value
            return TicketEvent(kind=EventKind.ASSIGNED.value, detail=detail)

        return self._change(reference, actor, change)

    def add_note(self, reference: str, note: str, actor: str) -> Ticket:
        """An internal note on the ticket's audit trail."""
        return self._change(
            reference,
            actor,
            lambda session, ticket: TicketEvent(kind=EventKind.NOTE.value, detail={"note": note}),
        )

    def add_message(self, reference: str, role: Role, text: str) -> None:
        """Append a line to the ticket's transcript (customer or agent turns after filing)."""

        def work(session: Session) -> None:
            ticket_id = session.execute(
                select(Ticket.id).where(Ticket.reference == reference)
            ).scalar_one_or_none()
            if ticket_id is None:
                raise TicketNotFound(reference)
            session.add(TicketMessage(ticket_id=ticket_id, role=role.value, text=text, at=utc_now()))

        self._write(work)


def _jsonable(value: Any) -> Any:
    """A column value as it can be stored in an event's JSON detail."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
