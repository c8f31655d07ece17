"""Retention periods: old conversation events deleted, personal fields of long-closed tickets erased.

RETENTION_EVENTS_DAYS (default 180): Rasa tracker events (and website messages as taken, webchat_inbox) older
than this are deleted.
RETENTION_TICKETS_YEARS (default 3): tickets closed or resolved (and untouched since) for longer than this
are anonymised as on a customer's request (bot.privacy.erasure); customers left without a ticket that
still names them are deleted. Run by `bot retention run` and every RETENTION_INTERVAL_HOURS inside `bot run`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from bot.channels.models import WebchatInboxMessage
from bot.constants import TicketStatus
from bot.db.column_types import utc_now
from bot.db.engine import SQLITE_BEGIN_OPTION, shared_engine
from bot.privacy.audit import record
from bot.privacy.erasure import anonymise_tickets
from bot.privacy.subject import rasa_events
from bot.tickets.models import Customer, Ticket

logger = logging.getLogger(__name__)

EVENTS_DAYS_ENV = "RETENTION_EVENTS_DAYS"
TICKETS_YEARS_ENV = "RETENTION_TICKETS_YEARS"
DEFAULT_EVENTS_DAYS = 180
DEFAULT_TICKETS_YEARS = 3
RETENTION_ACTOR = "retention"
_CLOSED = (TicketStatus.CLOSED.value, TicketStatus.RESOLVED.value)


@dataclass(frozen=True)
class Periods:
    """How long conversation events and closed tickets' personal fields are kept."""

    events_days: float = DEFAULT_EVENTS_DAYS
    tickets_years: float = DEFAULT_TICKETS_YEARS

    @classmethod
    def from_env(cls) -> Periods:
        """The periods configured in the environment (defaults 180 days, 3 years)."""
        return cls(
            float(os.environ.get(EVENTS_DAYS_ENV) or DEFAULT_EVENTS_DAYS),
            float(os.environ.get(TICKETS_YEARS_ENV) or DEFAULT_TICKETS_YEARS),
        )


def run_retention(url: str, periods: Periods, now: dt.datetime | None = None) -> dict[str, Any]:
    """Apply the retention periods once, in one transaction with an audit entry; return the counts."""
    now = now or utc_now()
    events_before = now - dt.timedelta(days=periods.events_days)
    tickets_before = now - dt.timedelta(days=365.25 * periods.tickets_years)
    engine = shared_engine(url).execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    with Session(engine, future=True) as session, session.begin():
        connection = session.connection()
        events = rasa_events(connection)
        deleted_events = 0
        if events is not None:
            deleted_events = connection.execute(
                delete(events).where(events.c.timestamp < events_before.timestamp())
            ).rowcount
        inbox = WebchatInboxMessage.__table__  # website messages as taken, kept as long as the events
        deleted_inbox = connection.execute(delete(inbox).where(inbox.c.received_at < events_before)).rowcount
        tickets = Ticket.__table__
        expired = connection.execute(
            select(tickets.c.id).where(
                tickets.c.status.in_(_CLOSED),
                tickets.c.updated_at < tickets_before,
                tickets.c.anonymised_at.is_(None),
            )
        ).scalars()
        ticket_counts = anonymise_tickets(connection, list(expired))
        customers = Customer.__table__
        orphaned = connection.execute(
            delete(customers).where(~exists().where(tickets.c.customer_id == customers.c.id))
        ).rowcount
        counts = {
            "conversation_events": deleted_events,
            "webchat_inbox_messages": deleted_inbox,
            **ticket_counts,
            "customers": orphaned,
        }
        record(
            session,
            "retention",
            None,
            RETENTION_ACTOR,
            {**counts, "events_days": periods.events_days, "tickets_years": periods.tickets_years},
        )
    logger.info("retention: %s", counts)
    return counts
