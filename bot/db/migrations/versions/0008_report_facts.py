"""Report facts: one narrow row per ticket (local filing day, report dimensions, epoch seconds of the service
times), kept exact by triggers on tickets, so reports over a million tickets read no ticket heap and no
timestamp arithmetic (issue: analytics, scale).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Spelled out rather than imported: a revision must keep meaning what it meant.
_DIMENSIONS = (
    "category",
    "secondary_category",
    "vehicle_model",
    "part",
    "dealer",
    "channel",
    "language",
    "priority",
)
_COPIED = (*_DIMENSIONS, "status", "assigned_to", "csat", "reopened_count")
_COLUMNS = (
    "ticket_id",
    "created_day",
    *_COPIED,
    "handed",
    "created_s",
    "queued_s",
    "first_response_s",
    "resolved_s",
)
# Ticket columns whose change changes a fact row (SQLite update trigger; PostgreSQL's as well).
_WATCHED = (
    "created_at",
    *_COPIED,
    "waiting_since",
    "first_response_at",
    "resolved_at",
)


def _values(dialect: str, row: str) -> str:
    """The fact row's values computed from the ticket row `row` (NEW, a transition table alias, tickets)."""

    def epoch(column: str) -> str:
        # The same whole seconds the report queries computed from timestamps before this table existed.
        if dialect == "sqlite":
            return f"CAST(strftime('%s', {column}) AS INTEGER)"
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"

    if dialect == "sqlite":  # naive UTC text; Beijing is UTC+8 all year
        day = f"CAST(julianday(date({row}.created_at, '+8 hours')) - 2440587.5 AS INTEGER)"
    else:
        day = f"((({row}.created_at AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date - DATE '1970-01-01')"
    return ", ".join(
        [
            f"{row}.id",
            day,
            *(f"{row}.{c}" for c in _COPIED),
            f"CASE WHEN {row}.waiting_since IS NOT NULL THEN 1 ELSE 0 END",
            epoch(f"{row}.created_at"),
            epoch(f"COALESCE({row}.waiting_since, {row}.created_at)"),
            epoch(f"{row}.first_response_at"),
            epoch(f"{row}.resolved_at"),
        ]
    )


_INSERT = f"INSERT INTO report_facts ({', '.join(_COLUMNS)})"
_UPSERT_SET = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
# An update that changes nothing a report reads (a new message bumps updated_at) writes no new fact version.
_CHANGED = (
    f"({', '.join(f'report_facts.{c}' for c in _COLUMNS[1:])}) IS DISTINCT FROM "
    f"({', '.join(f'excluded.{c}' for c in _COLUMNS[1:])})"
)

_PG_FUNCTIONS = {
    "report_facts_inserted": f"""
CREATE FUNCTION report_facts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_INSERT} SELECT {_values("postgresql", "n")} FROM new_tickets n;
  RETURN NULL;
END $$""",
    "report_facts_updated": f"""
CREATE FUNCTION report_facts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_INSERT} SELECT {_values("postgresql", "n")} FROM new_tickets n
  ON CONFLICT (ticket_id) DO UPDATE SET {_UPSERT_SET} WHERE {_CHANGED};
  RETURN NULL;
END $$""",
    "report_facts_deleted": """
CREATE FUNCTION report_facts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM report_facts f USING old_tickets o WHERE f.ticket_id = o.id;
  RETURN NULL;
END $$""",
    "report_facts_truncated": """
CREATE FUNCTION report_facts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE report_facts;
  RETURN NULL;
END $$""",
}
# Statement-level with transition tables: a COPY of 20,000 tickets costs one INSERT ... SELECT.
_PG_TRIGGERS = {
    "report_facts_on_insert": "AFTER INSERT ON tickets REFERENCING NEW TABLE AS new_tickets "
    "FOR EACH STATEMENT EXECUTE FUNCTION report_facts_inserted()",
    "report_facts_on_update": "AFTER UPDATE ON tickets REFERENCING NEW TABLE AS new_tickets "
    "FOR EACH STATEMENT EXECUTE FUNCTION report_facts_updated()",
    "report_facts_on_delete": "AFTER DELETE ON tickets REFERENCING OLD TABLE AS old_tickets "
    "FOR EACH STATEMENT EXECUTE FUNCTION report_facts_deleted()",
    "report_facts_on_truncate": "AFTER TRUNCATE ON tickets "
    "FOR EACH STATEMENT EXECUTE FUNCTION report_facts_truncated()",
}
_SQLITE_TRIGGERS = {
    "report_facts_on_insert": f"AFTER INSERT ON tickets BEGIN "
    f"{_INSERT} VALUES ({_values('sqlite', 'NEW')}); END",
    "report_facts_on_update": f"AFTER UPDATE OF {', '.join(_WATCHED)} ON tickets BEGIN "
    f"{_INSERT} VALUES ({_values('sqlite', 'NEW')}) "
    f"ON CONFLICT (ticket_id) DO UPDATE SET {_UPSERT_SET}; END",
    "report_facts_on_delete": "AFTER DELETE ON tickets BEGIN "
    "DELETE FROM report_facts WHERE ticket_id = OLD.id; END",
}


def upgrade() -> None:
    """Create report_facts, fill it from the tickets, and install the triggers that keep it exact."""
    op.create_table(
        "report_facts",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_day", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("secondary_category", sa.String(32)),
        sa.Column("vehicle_model", sa.String(64)),
        sa.Column("part", sa.String(64)),
        sa.Column("dealer", sa.String(200)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.String(100)),
        sa.Column("csat", sa.Integer()),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("handed", sa.Integer(), nullable=False),
        sa.Column("created_s", sa.BigInteger(), nullable=False),
        sa.Column("queued_s", sa.BigInteger(), nullable=False),
        sa.Column("first_response_s", sa.BigInteger()),
        sa.Column("resolved_s", sa.BigInteger()),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_report_facts"),
    )
    dialect = op.get_bind().dialect.name
    op.execute(f"{_INSERT} SELECT {_values(dialect, 'tickets')} FROM tickets")
    op.create_index("ix_report_facts_created_day", "report_facts", ["created_day"])
    if dialect == "postgresql":
        for body in _PG_FUNCTIONS.values():
            op.execute(body)
        for name, definition in _PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")
    else:
        for name, definition in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade() -> None:
    """Drop the triggers, their functions and the table."""
    dialect = op.get_bind().dialect.name
    for name in _PG_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}{' ON tickets' if dialect == 'postgresql' else ''}")
    if dialect == "postgresql":
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_report_facts_created_day", table_name="report_facts")
    op.drop_table("report_facts")
