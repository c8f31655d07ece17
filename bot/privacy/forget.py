"""A customer's right to deletion: erase what identifies them, keep the figures (see erasure)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db.engine import SQLITE_BEGIN_OPTION, shared_engine
from bot.privacy.audit import record
from bot.privacy.erasure import anonymise_tickets, delete_conversations
from bot.privacy.subject import e164, find_subject
from bot.tickets.models import Customer


def forget_customer(url: str, phone: str, actor: str) -> dict[str, Any]:
    """Erase the customer with this phone in one transaction, with an audit entry; return the counts."""
    phone = e164(phone)
    engine = shared_engine(url).execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    with Session(engine, future=True) as session, session.begin():
        connection = session.connection()
        subject = find_subject(connection, phone)
        counts: dict[str, Any] = {
            **anonymise_tickets(connection, subject.ticket_ids),
            **delete_conversations(connection, subject.sender_ids),
            "conversations": len(subject.sender_ids),
            "customer": 0,
        }
        if subject.customer_id is not None:
            connection.execute(
                delete(Customer.__table__).where(Customer.__table__.c.id == subject.customer_id)
            )
            counts["customer"] = 1
        record(session, "forget", phone, actor, counts)
    return counts
