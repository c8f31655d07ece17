"""Website chat inbox: every website message recorded before it is handled, replayed at start if unhandled.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Spelled out rather than imported from the models: a revision must keep meaning what it meant.
_UTC = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create webchat_inbox."""
    op.create_table(
        "webchat_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("payload", sa.Text()),
        sa.Column("details", _JSON, nullable=False),
        sa.Column("taken_by", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("received_at", _UTC, nullable=False),
        sa.Column("handled_at", _UTC),
        sa.PrimaryKeyConstraint("id", name="pk_webchat_inbox"),
        sa.UniqueConstraint(
            "conversation_id", "client_id", name="uq_webchat_inbox_conversation_id_client_id"
        ),
    )
    op.create_index("ix_webchat_inbox_taken_by_state_id", "webchat_inbox", ["taken_by", "state", "id"])
    op.create_index("ix_webchat_inbox_conversation_id_state", "webchat_inbox", ["conversation_id", "state"])


def downgrade() -> None:
    """Drop webchat_inbox."""
    op.drop_table("webchat_inbox")
