"""Personal data: anonymisation and retention (issue: reliability and personal data).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Tickets remember when they were anonymised; privacy actions get an audit table."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("anonymised_at", _UTC, nullable=True))
    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("subject_hash", sa.String(64)),
        sa.Column("subject_masked", sa.String(32)),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", _JSON, nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_audit"),
    )
    op.create_index("ix_privacy_audit_subject_hash", "privacy_audit", ["subject_hash"])
    op.create_index("ix_privacy_audit_at", "privacy_audit", ["at"])


def downgrade() -> None:
    """Drop the audit table and the column."""
    op.drop_index("ix_privacy_audit_at", table_name="privacy_audit")
    op.drop_index("ix_privacy_audit_subject_hash", table_name="privacy_audit")
    op.drop_table("privacy_audit")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("anonymised_at")
