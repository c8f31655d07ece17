"""SQLAlchemy models of the ticket store: customers, tickets, transcript, audit trail, attachments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declarative_base, relationship

from bot.constants import StrEnum
from bot.db.column_types import Money, UtcDateTime, utc_now

# Explicit constraint names, so Alembic (and SQLite batch mode, which recreates tables) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class EventKind(StrEnum):
    """What an entry of a ticket's audit trail records."""

    CREATED = "created"
    FIELD_CHANGED = "field_changed"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    NOTE = "note"
    HANDOFF = "handoff"
    FIRST_RESPONSE = "first_response"
    STEP_CHECKED = "step_checked"
    RESOLVED = "resolved"
    CSAT = "csat"
    REOPENED = "reopened"


class Customer(Base):
    """A customer, identified by phone number (E.164)."""

    __tablename__ = "customers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    phone: Mapped[str] = Column(String(32), nullable=False, unique=True)
    name: Mapped[str | None] = Column(String(100))
    language: Mapped[str | None] = Column(String(8))
    created_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class Ticket(Base):
    """One complaint (or compliment, or roadside call) with the facts an agent needs."""

    __tablename__ = "tickets"

    id: Mapped[int] = Column(Integer, primary_key=True)
    reference: Mapped[str] = Column(String(20), nullable=False, unique=True)
    category: Mapped[str] = Column(String(32), nullable=False)
    secondary_category: Mapped[str | None] = Column(String(32))
    status: Mapped[str] = Column(String(16), nullable=False, index=True)
    priority: Mapped[str] = Column(String(16), nullable=False)
    channel: Mapped[str] = Column(String(32), nullable=False)
    sender_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    # One ticket per intake: the sender plus the form run; the unique constraint makes filing idempotent.
    conversation_key: Mapped[str] = Column(String(255), nullable=False, unique=True)
    language: Mapped[str] = Column(String(8), nullable=False)
    customer_id: Mapped[int | None] = Column(
        Integer, ForeignKey("customers.id", ondelete="SET NULL"), index=True, nullable=True
    )
    customer_name: Mapped[str | None] = Column(String(100))
    phone: Mapped[str | None] = Column(String(32), index=True)
    vehicle_model: Mapped[str | None] = Column(String(64), index=True)
    vin: Mapped[str | None] = Column(String(17))
    license_plate: Mapped[str | None] = Column(String(16))
    dealer: Mapped[str | None] = Column(String(200))
    service_date: Mapped[dt.date | None] = Column(Date)
    # day | week | month: a customer who recalls only "上个月" gives the month's first day at month precision.
    service_date_precision: Mapped[str | None] = Column(String(8))
    part: Mapped[str | None] = Column(String(64), index=True)
    quoted_amount: Mapped[Decimal | None] = Column(Money)
    charged_amount: Mapped[Decimal | None] = Column(Money)
    mileage: Mapped[int | None] = Column(Integer)  # km
    location: Mapped[str | None] = Column(String(500))
    # Coordinates of a location the customer shared in a chat app (Telegram), WGS 84 degrees.
    latitude: Mapped[float | None] = Column(Float)
    longitude: Mapped[float | None] = Column(Float)
    description: Mapped[str | None] = Column(Text)
    created_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now, index=True)
    updated_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)
    assigned_to: Mapped[str | None] = Column(String(100))
    # Handoff to an agent (bot.handoff.store): why, when the queue got it, first answer, resolution, CSAT.
    handoff_reason: Mapped[str | None] = Column(String(32))
    waiting_since: Mapped[dt.datetime | None] = Column(UtcDateTime, index=True)
    first_response_at: Mapped[dt.datetime | None] = Column(UtcDateTime)
    resolved_at: Mapped[dt.datetime | None] = Column(UtcDateTime)
    resolution: Mapped[str | None] = Column(Text)
    csat: Mapped[int | None] = Column(Integer)  # 1-5
    csat_comment: Mapped[str | None] = Column(Text)
    reopened_count: Mapped[int] = Column(Integer, nullable=False, default=0, server_default=text("0"))
    # Set when personal fields and texts were erased (on request or after retention); figures are kept.
    anonymised_at: Mapped[dt.datetime | None] = Column(UtcDateTime)

    customer: Mapped[Customer | None] = relationship("Customer")
    # The transcript is part of every loaded ticket (tickets leave the session and are rendered whole).
    messages: Mapped[list[TicketMessage]] = relationship(
        "TicketMessage",
        lazy="selectin",
        order_by="(TicketMessage.at, TicketMessage.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    events: Mapped[list[TicketEvent]] = relationship(
        "TicketEvent",
        order_by="(TicketEvent.at, TicketEvent.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    attachments: Mapped[list[Attachment]] = relationship(
        "Attachment",
        lazy="selectin",
        order_by="Attachment.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class TicketMessage(Base):
    """One line of the conversation that led to (or followed) a ticket."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket_id_at", "ticket_id", "at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)
    author: Mapped[str | None] = Column(String(100))  # the agent's display name on agent lines
    delivery: Mapped[str | None] = Column(String(16))  # agent lines: pending | sent | failed
    delivery_error: Mapped[str | None] = Column(Text)


class TicketEvent(Base):
    """An entry of a ticket's audit trail (Rasa's tracker store owns the table name `events`)."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_at", "ticket_id", "at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = Column(String(32), nullable=False)
    actor: Mapped[str] = Column(String(100), nullable=False)
    detail: Mapped[dict[str, Any]] = Column(JsonDocument, nullable=False, default=dict)
    at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class Attachment(Base):
    """A file a customer or agent attached to a ticket; its bytes live at `storage_path`."""

    __tablename__ = "attachments"

    id: Mapped[int] = Column(Integer, primary_key=True)
    # NULL until the conversation files a ticket (a customer may send a photo before the complaint).
    ticket_id: Mapped[int | None] = Column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True, index=True
    )
    conversation_id: Mapped[str | None] = Column(String(255), index=True)  # the sender id it came from
    channel: Mapped[str | None] = Column(String(32))
    source_file_id: Mapped[str | None] = Column(String(255))  # e.g. Telegram's file_id
    caption: Mapped[str | None] = Column(Text)
    filename: Mapped[str] = Column(String(255), nullable=False)
    content_type: Mapped[str] = Column(String(127), nullable=False)
    size: Mapped[int] = Column(BigInteger, nullable=False)  # bytes
    storage_path: Mapped[str] = Column(String(1024), nullable=False)
    uploaded_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class ReferenceCounter(Base):
    """The last reference number issued per year (see bot.tickets.reference)."""

    __tablename__ = "ticket_reference_counters"

    year: Mapped[int] = Column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = Column(Integer, nullable=False)
