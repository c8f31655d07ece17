"""Analytics: early-warning alerts with their audit trail, indexes for reports (issue: analytics).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
_TICKET_INDEXES = {
    "ix_tickets_created_model_part": ["created_at", "vehicle_model", "part"],
    "ix_tickets_created_dealer_category": ["created_at", "dealer", "category"],
    "ix_tickets_model_created": ["vehicle_model", "created_at"],
    "ix_tickets_assigned_status": ["assigned_to", "status"],
    "ix_tickets_updated_at": ["updated_at"],
}


def upgrade() -> None:
    """Create the alert tables and the report indexes on tickets."""
    op.create_table(
        "analytics_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("cell_key", sa.String(300), nullable=False),
        sa.Column("vehicle_model", sa.String(64)),
        sa.Column("part", sa.String(64)),
        sa.Column("dealer", sa.String(200)),
        sa.Column("category", sa.String(32)),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("rate_ratio", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("q_value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("window_weeks", sa.Integer(), nullable=False),
        sa.Column("exposure", sa.Integer()),
        sa.Column("evidence", _JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_alerts"),
        sa.UniqueConstraint("kind", "cell_key", "week", name="uq_analytics_alerts_cell_week"),
    )
    op.create_index("ix_analytics_alerts_status", "analytics_alerts", ["status"])
    op.create_table(
        "analytics_alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["analytics_alerts.id"],
            name="fk_analytics_alert_events_alert_id_analytics_alerts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_alert_events"),
    )
    op.create_index("ix_analytics_alert_events_alert_id", "analytics_alert_events", ["alert_id"])
    for name, columns in _TICKET_INDEXES.items():
        op.create_index(name, "tickets", columns)


def downgrade() -> None:
    """Drop the report indexes and the alert tables."""
    for name in _TICKET_INDEXES:
        op.drop_index(name, table_name="tickets")
    op.drop_table("analytics_alert_events")
    op.drop_table("analytics_alerts")
