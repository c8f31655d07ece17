"""Fast inserts of many rows: COPY on PostgreSQL, one prepared executemany on SQLite; references in blocks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

_CHUNK = 20_000


def _sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it on SQLite (naive UTC text for timestamps)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _csv_value(value: Any) -> Any:
    """A value for COPY ... CSV (None is the empty unquoted field, which COPY reads as NULL)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (tuples in `columns` order) into `table`; the number inserted."""
    count = 0
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _CHUNK:
            count += _flush(connection, table, columns, batch)
            batch = []
    if batch:
        count += _flush(connection, table, columns, batch)
    return count


def _flush(connection: Connection, table: str, columns: Sequence[str], batch: list[Sequence[Any]]) -> int:
    """Write one batch with the backend's fastest path."""
    if connection.dialect.name == "postgresql":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in batch:
            writer.writerow(["" if v is None else _csv_value(v) for v in row])
        buffer.seek(0)
        cursor = connection.connection.cursor()  # the DB-API connection of this transaction
        try:
            cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer
            )
        finally:
            cursor.close()
        return len(batch)
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        [tuple(_sqlite_value(v) for v in row) for row in batch],
    )
    return len(batch)


def reserve_references(connection: Connection, year: int, count: int) -> int:
    """Take `count` ticket numbers of `year` in one step (as bot.tickets.reference does one by one).

    Returns the first number; the caller uses first .. first + count - 1 as CMP-YYYY-NNNNNN.
    """
    row = connection.execute(
        text("SELECT last_value FROM ticket_reference_counters WHERE year = :y"), {"y": year}
    ).first()
    last = int(row[0]) if row else 0
    if row is None:
        connection.execute(
            text("INSERT INTO ticket_reference_counters (year, last_value) VALUES (:y, :v)"),
            {"y": year, "v": last + count},
        )
    else:
        connection.execute(
            text("UPDATE ticket_reference_counters SET last_value = :v WHERE year = :y"),
            {"y": year, "v": last + count},
        )
    return last + 1


def next_id(connection: Connection, table: str) -> int:
    """One more than the largest id of `table`."""
    return int(connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()) + 1


def fix_sequence(connection: Connection, table: str) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )
