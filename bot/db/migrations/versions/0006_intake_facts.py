"""Intake facts: how precise the service date is (a day, or only the week or month the customer recalls).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add tickets.service_date_precision (day | week | month; NULL when there is no date)."""
    op.add_column("tickets", sa.Column("service_date_precision", sa.String(8), nullable=True))


def downgrade() -> None:
    """Drop tickets.service_date_precision."""
    op.drop_column("tickets", "service_date_precision")
