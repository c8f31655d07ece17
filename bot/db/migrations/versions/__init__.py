"""Alembic revisions of the ticket store."""
