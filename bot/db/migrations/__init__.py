"""Alembic migration environment of the ticket store (a package so it ships with the wheel)."""
