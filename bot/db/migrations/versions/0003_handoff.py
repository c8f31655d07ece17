"""Handoff: agents, conversation ownership, agent-side ticket fields (issue: handoff and console).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Reserved in the chain; filled by the issue that owns it."""


def downgrade() -> None:
    """Nothing to undo yet."""
