"""Ticket store: customers, tickets, transcript, audit trail, attachments, reference counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Spelled out rather than imported from the models: a revision must keep meaning what it meant.
_UTC = sa.DateTime(timezone=True)
_MONEY = sa.Numeric(12, 2)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the ticket store's tables and indexes."""
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100)),
        sa.Column("language", sa.String(8)),
        sa.Column("created_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("phone", name="uq_customers_phone"),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(20), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("secondary_category", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("conversation_key", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("customer_id", sa.Integer()),
        sa.Column("customer_name", sa.String(100)),
        sa.Column("phone", sa.String(32)),
        sa.Column("vehicle_model", sa.String(64)),
        sa.Column("vin", sa.String(17)),
        sa.Column("license_plate", sa.String(16)),
        sa.Column("dealer", sa.String(200)),
        sa.Column("service_date", sa.Date()),
        sa.Column("part", sa.String(64)),
        sa.Column("quoted_amount", _MONEY),
        sa.Column("charged_amount", _MONEY),
        sa.Column("mileage", sa.Integer()),
        sa.Column("location", sa.String(500)),
        sa.Column("description", sa.Text()),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.Column("assigned_to", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("reference", name="uq_tickets_reference"),
        sa.UniqueConstraint("conversation_key", name="uq_tickets_conversation_key"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_tickets_customer_id_customers", ondelete="SET NULL"
        ),
    )
    for column in ("status", "created_at", "phone", "vehicle_model", "part", "sender_id", "customer_id"):
        op.create_index(f"ix_tickets_{column}", "tickets", [column])

    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_messages"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_ticket_messages_ticket_id_tickets", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_ticket_messages_ticket_id_at", "ticket_messages", ["ticket_id", "at"])

    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_events"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_ticket_events_ticket_id_tickets", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_ticket_events_ticket_id_at", "ticket_events", ["ticket_id", "at"])

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("storage_path", sa.String(1024), nullable=False),
        sa.Column("uploaded_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_attachments_ticket_id_tickets", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_attachments_ticket_id", "attachments", ["ticket_id"])

    op.create_table(
        "ticket_reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_ticket_reference_counters"),
    )


def downgrade() -> None:
    """Drop the ticket store (indexes go with their tables)."""
    for table in (
        "ticket_reference_counters",
        "attachments",
        "ticket_events",
        "ticket_messages",
        "tickets",
        "customers",
    ):
        op.drop_table(table)
