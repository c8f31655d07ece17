"""Channels: Telegram update log, web sessions, delivery records (issue: customer channels).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved in the chain; filled by the issue that owns it."""


def downgrade() -> None:
    """Nothing to undo yet."""
