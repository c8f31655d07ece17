"""Analytics: imported complaints, early-warning alerts (issue: analytics).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved in the chain; filled by the issue that owns it."""


def downgrade() -> None:
    """Nothing to undo yet."""
