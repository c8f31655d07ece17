"""Personal data: anonymisation and retention (issue: reliability and personal data).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved in the chain; filled by the issue that owns it."""


def downgrade() -> None:
    """Nothing to undo yet."""
