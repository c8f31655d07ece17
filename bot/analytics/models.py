"""Tables of the analytics: early-warning alerts with their evidence and audit trail; report indexes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, relationship

from bot.constants import StrEnum
from bot.db.column_types import UtcDateTime, utc_now
from bot.tickets.models import Base, JsonDocument, Ticket


class AlertKind(StrEnum):
    """What an alert watches: a part of a vehicle model, or a complaint category at a dealer."""

    MODEL_PART = "model_part"
    DEALER_CATEGORY = "dealer_category"


class AlertStatus(StrEnum):
    """Life cycle of an alert: active until a supervisor acknowledges (working on it) or dismisses it."""

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"


class Alert(Base):
    """A cell (model+part or dealer+category) whose recent complaint count is above its expectation."""

    __tablename__ = "analytics_alerts"
    __table_args__ = (UniqueConstraint("kind", "cell_key", "week", name="uq_analytics_alerts_cell_week"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    kind: Mapped[str] = Column(String(32), nullable=False)
    cell_key: Mapped[str] = Column(
        String(300), nullable=False
    )  # "Magotan|blower_motor", "<dealer>|<category>"
    vehicle_model: Mapped[str | None] = Column(String(64))
    part: Mapped[str | None] = Column(String(64))
    dealer: Mapped[str | None] = Column(String(200))
    category: Mapped[str | None] = Column(String(32))
    week: Mapped[dt.date] = Column(Date, nullable=False)  # Monday (Beijing time) of the newest week tested
    method: Mapped[str] = Column(String(32), nullable=False)  # own_baseline | peer_rate
    observed: Mapped[int] = Column(Integer, nullable=False)  # complaints in the recent window
    expected: Mapped[float] = Column(Float, nullable=False)
    rate_ratio: Mapped[float] = Column(Float, nullable=False)
    p_value: Mapped[float] = Column(Float, nullable=False)
    q_value: Mapped[float] = Column(Float, nullable=False)  # Benjamini-Hochberg adjusted
    threshold: Mapped[float] = Column(Float, nullable=False)  # the false-discovery rate q must stay under
    window_weeks: Mapped[int] = Column(Integer, nullable=False)
    exposure: Mapped[int | None] = Column(Integer)  # vehicles in service (model cells)
    evidence: Mapped[dict[str, Any]] = Column(JsonDocument, nullable=False, default=dict)  # trend, examples
    status: Mapped[str] = Column(String(16), nullable=False, default=AlertStatus.ACTIVE.value, index=True)
    created_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)
    updated_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)

    events: Mapped[list[AlertEvent]] = relationship(
        "AlertEvent", order_by="AlertEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )


class AlertEvent(Base):
    """An entry of an alert's audit trail: raised, updated, acknowledged, dismissed, outreach exported."""

    __tablename__ = "analytics_alert_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    alert_id: Mapped[int] = Column(
        Integer, ForeignKey("analytics_alerts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[str] = Column(String(32), nullable=False)
    actor: Mapped[str] = Column(String(100), nullable=False)
    note: Mapped[str | None] = Column(Text)
    at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class ReportFact(Base):
    """One ticket as the reports read it, kept exact by triggers on tickets (migration 0008).

    Days and seconds are computed once when the ticket changes, so a report over a year of a million
    tickets scans narrow rows by filing day instead of the tickets' heap and timestamp arithmetic.
    """

    __tablename__ = "report_facts"

    ticket_id: Mapped[int] = Column(Integer, primary_key=True, autoincrement=False)
    created_day: Mapped[int] = Column(Integer, nullable=False, index=True)  # Beijing date, days since 1970
    category: Mapped[str] = Column(String(32), nullable=False)
    secondary_category: Mapped[str | None] = Column(String(32))
    vehicle_model: Mapped[str | None] = Column(String(64))
    part: Mapped[str | None] = Column(String(64))
    dealer: Mapped[str | None] = Column(String(200))
    channel: Mapped[str] = Column(String(32), nullable=False)
    language: Mapped[str] = Column(String(8), nullable=False)
    priority: Mapped[str] = Column(String(16), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)
    assigned_to: Mapped[str | None] = Column(String(100))
    csat: Mapped[int | None] = Column(Integer)
    reopened_count: Mapped[int] = Column(Integer, nullable=False)
    handed: Mapped[int] = Column(Integer, nullable=False)  # 1 when the ticket reached the agent queue
    # Whole epoch seconds of created_at, waiting_since (created_at when never queued), first response and
    # resolution.
    created_s: Mapped[int] = Column(BigInteger, nullable=False)
    queued_s: Mapped[int] = Column(BigInteger, nullable=False)
    first_response_s: Mapped[int | None] = Column(BigInteger)
    resolved_s: Mapped[int | None] = Column(BigInteger)


# Report and early-warning queries filter on the filing time and group by these columns: covering indexes
# let PostgreSQL answer them from the index (see README, "Analytics").
_tickets = Ticket.__table__
Index("ix_tickets_created_model_part", _tickets.c.created_at, _tickets.c.vehicle_model, _tickets.c.part)
Index("ix_tickets_created_dealer_category", _tickets.c.created_at, _tickets.c.dealer, _tickets.c.category)
Index("ix_tickets_model_created", _tickets.c.vehicle_model, _tickets.c.created_at)
Index("ix_tickets_assigned_status", _tickets.c.assigned_to, _tickets.c.status)
# The console's change feed asks for max(updated_at) several times a second: without this, a full scan.
Index("ix_tickets_updated_at", _tickets.c.updated_at)
