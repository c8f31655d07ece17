"""Channels: Telegram update log and buttons, shared locations, delivery failures, attachments before a
ticket.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Spelled out rather than imported from the models: a revision must keep meaning what it meant.
_UTC = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

_ATTACHMENT_COLUMNS = (
    sa.Column("conversation_id", sa.String(255)),
    sa.Column("channel", sa.String(32)),
    sa.Column("source_file_id", sa.String(255)),
    sa.Column("caption", sa.Text()),
)


def upgrade() -> None:
    """Create the channel tables; ticket coordinates; attachments may wait for their conversation's ticket."""
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger()),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("received_at", _UTC, nullable=False),
        sa.Column("handled_at", _UTC),
        sa.PrimaryKeyConstraint("update_id", name="pk_telegram_updates"),
    )
    op.create_index("ix_telegram_updates_state_update_id", "telegram_updates", ["state", "update_id"])
    op.create_table(
        "telegram_buttons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("issued_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_telegram_buttons"),
        sa.UniqueConstraint("chat_id", "token", name="uq_telegram_buttons_chat_id_token"),
    )
    op.create_table(
        "shared_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("ticket_id", sa.Integer()),
        sa.Column("shared_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shared_locations"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_shared_locations_ticket_id_tickets", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_shared_locations_conversation_id", "shared_locations", ["conversation_id"])
    op.create_table(
        "delivery_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_failures"),
    )
    op.create_index("ix_delivery_failures_conversation_id", "delivery_failures", ["conversation_id"])
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("latitude", sa.Float()))
        batch.add_column(sa.Column("longitude", sa.Float()))
    with op.batch_alter_table("attachments") as batch:
        batch.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        for column in _ATTACHMENT_COLUMNS:
            batch.add_column(column.copy())
    op.create_index("ix_attachments_conversation_id", "attachments", ["conversation_id"])


def downgrade() -> None:
    """Drop what upgrade added (attachments without a ticket are deleted first)."""
    op.drop_index("ix_attachments_conversation_id", "attachments")
    op.execute("DELETE FROM attachments WHERE ticket_id IS NULL")
    with op.batch_alter_table("attachments") as batch:
        for column in reversed(_ATTACHMENT_COLUMNS):
            batch.drop_column(column.name)
        batch.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("longitude")
        batch.drop_column("latitude")
    op.drop_table("delivery_failures")
    op.drop_table("shared_locations")
    op.drop_table("telegram_buttons")
    op.drop_table("telegram_updates")
