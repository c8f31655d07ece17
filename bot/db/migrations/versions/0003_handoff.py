"""Handoff: agents, conversation ownership, agent-side ticket fields (issue: handoff and console).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Spelled out rather than imported from the models: a revision must keep meaning what it meant.
_UTC = sa.DateTime(timezone=True)

_TICKET_COLUMNS = (
    sa.Column("handoff_reason", sa.String(32)),
    sa.Column("waiting_since", _UTC),
    sa.Column("first_response_at", _UTC),
    sa.Column("resolved_at", _UTC),
    sa.Column("resolution", sa.Text()),
    sa.Column("csat", sa.Integer()),
    sa.Column("csat_comment", sa.Text()),
    sa.Column("reopened_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
)
_MESSAGE_COLUMNS = (
    sa.Column("author", sa.String(100)),
    sa.Column("delivery", sa.String(16)),
    sa.Column("delivery_error", sa.Text()),
)


def upgrade() -> None:
    """Add the handoff columns to tickets and transcript lines; create agents, owners, login attempts."""
    with op.batch_alter_table("tickets") as batch:
        for column in _TICKET_COLUMNS:
            batch.add_column(column.copy())
    op.create_index("ix_tickets_waiting_since", "tickets", ["waiting_since"])
    with op.batch_alter_table("ticket_messages") as batch:
        for column in _MESSAGE_COLUMNS:
            batch.add_column(column.copy())

    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False, server_default="zh"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agents"),
        sa.UniqueConstraint("username", name="uq_agents_username"),
    )
    op.create_table(
        "conversation_owners",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(16), nullable=False),
        sa.Column("agent_username", sa.String(64)),
        sa.Column("ticket_reference", sa.String(20)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name="pk_conversation_owners"),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])


def downgrade() -> None:
    """Drop the handoff tables and columns."""
    for table in ("login_attempts", "conversation_owners", "agents"):
        op.drop_table(table)
    op.drop_index("ix_tickets_waiting_since", table_name="tickets")
    with op.batch_alter_table("ticket_messages") as batch:
        for column in _MESSAGE_COLUMNS:
            batch.drop_column(column.name)
    with op.batch_alter_table("tickets") as batch:
        for column in _TICKET_COLUMNS:
            batch.drop_column(column.name)
