"""`bot tickets import FILE --format csv|nhtsa`: historic complaints into the ticket store, once each.

Idempotent on the source's complaint id: each imported ticket's conversation key is
`import:<source>:<id>` (unique in the store), so a second run of the same file adds nothing.
Models and parts are mapped to our ids (lexicon aliases; NHTSA component descriptions through
nhtsa_components.yml); rows that cannot be mapped are imported with what is known and reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.bulk import insert_rows, reserve_references
from bot.constants import Category, Language, Priority, TicketStatus
from bot.nlu.lexicon import load_lexicon
from bot.tickets.reference import format_reference

COMPONENTS_PATH = Path(__file__).with_name("nhtsa_components.yml")
_LOCAL = dt.timezone(dt.timedelta(hours=8))
# NHTSA FLAT_CMPL.txt: tab-separated, no header, fields in this published order (CMPL.txt, 49 fields).
NHTSA_FIELDS = (
    "CMPLID",
    "ODINO",
    "MFR_NAME",
    "MAKETXT",
    "MODELTXT",
    "YEARTXT",
    "CRASH",
    "FAILDATE",
    "FIRE",
    "INJURED",
    "DEATHED",
    "COMPDESC",
    "CITY",
    "STATE",
    "VIN",
    "DATEA",
    "LDATE",
    "MILES",
    "OCCURENCES",
    "CDESCR",
    "CMPL_TYPE",
    "POLICE_RPT_YN",
    "PURCH_DT",
    "ORIG_OWNER_YN",
    "ANTI_BRAKES_YN",
    "CRUISE_CONT_YN",
    "NUM_CYLS",
    "DRIVE_TRAIN",
    "FUEL_SYS",
    "FUEL_TYPE",
    "TRANS_TYPE",
    "VEH_SPEED",
    "DOT",
    "TIRE_SIZE",
    "LOC_OF_TIRE",
    "TIRE_FAIL_TYPE",
    "ORIG_EQUIP_YN",
    "MANUF_DT",
    "SEAT_TYPE",
    "RESTRAINT_TYPE",
    "DEALER_NAME",
    "DEALER_TEL",
    "DEALER_CITY",
    "DEALER_STATE",
    "DEALER_ZIP",
    "PROD_TYPE",
    "REPAIRED_YN",
    "MEDICAL_ATTN",
    "VEHICLES_TOWED_YN",
)
NHTSA_MAKES = ("VOLKSWAGEN", "AUDI")
# The documented CSV layout (README, "Importing complaints"): header row, these columns, any order.
CSV_REQUIRED = ("source_id", "created_at", "category")
CSV_OPTIONAL = (
    "vehicle_model",
    "part",
    "dealer",
    "channel",
    "language",
    "priority",
    "status",
    "description",
    "customer_name",
    "phone",
    "vin",
    "mileage",
    "resolved_at",
    "csat",
)
_TICKET_COLUMNS = (
    "reference",
    "category",
    "status",
    "priority",
    "channel",
    "sender_id",
    "conversation_key",
    "language",
    "customer_name",
    "phone",
    "vehicle_model",
    "vin",
    "dealer",
    "service_date",
    "part",
    "mileage",
    "description",
    "created_at",
    "updated_at",
    "resolved_at",
    "csat",
    "reopened_count",
)
_MAX_DESCRIPTION = 4000


@dataclass
class ImportResult:
    """What an import did: rows read, tickets added, rows already there, rows skipped or not mapped."""

    read: int = 0
    imported: int = 0
    already: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): not imported
    unmapped: list[tuple[int, str]] = field(default_factory=list)  # (line, what): imported without it

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "read": self.read,
            "imported": self.imported,
            "already_imported": self.already,
            "skipped": [{"line": n, "reason": r} for n, r in self.skipped],
            "unmapped": [{"line": n, "what": w} for n, w in self.unmapped],
        }


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[str, str], dict[str, str]]:
    """Lower-case alias -> model id, and alias -> part id (ids map to themselves)."""
    lexicon = load_lexicon()
    models = {
        alias.lower(): model
        for model, aliases in lexicon.vehicle_models.items()
        for alias in (model, *aliases)
    }
    parts = {alias.lower(): part for part, aliases in lexicon.parts.items() for alias in (part, *aliases)}
    return models, parts


def map_model(text_value: str | None) -> str | None:
    """Our model id for a model name (`PASSAT`, `迈腾`, `ID.4 CROZZ`), or None."""
    if not text_value:
        return None
    models, _ = _aliases()
    name = re.sub(r"\s+", " ", text_value.strip().lower())
    return models.get(name) or models.get(name.split(" ")[0])


def map_part(text_value: str | None) -> str | None:
    """Our part id for a part name or id (`blower`, `鼓风机`, `blower_motor`), or None."""
    if not text_value:
        return None
    return _aliases()[1].get(text_value.strip().lower())


@lru_cache(maxsize=1)
def _components() -> tuple[tuple[str, str], ...]:
    """(words, part id) in priority order."""
    raw = yaml.safe_load(COMPONENTS_PATH.read_text(encoding="utf-8"))
    return tuple((str(words).upper(), str(part)) for words, part in raw)


def map_component(description: str | None) -> str | None:
    """Our part id for an NHTSA component description, or None."""
    upper = (description or "").upper()
    return next((part for words, part in _components() if words in upper), None)


def _yyyymmdd(value: str) -> dt.date | None:
    """An NHTSA date (YYYYMMDD), or None when empty or malformed."""
    value = (value or "").strip()
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date() if value else None
    except ValueError:
        return None


def _instant(value: str) -> dt.datetime | None:
    """An ISO date (Beijing midnight) or date-time (Beijing time unless it has a zone), as UTC."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = (
        dt.datetime.fromisoformat(value)
        if len(value) > 10
        else dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_LOCAL)
    return parsed.astimezone(dt.timezone.utc)


def nhtsa_rows(path: Path, makes: Iterable[str] = NHTSA_MAKES) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line, ticket values) per NHTSA record, or (line, reason) for a record that is not imported."""
    wanted = {m.upper() for m in makes}
    with path.open(encoding="latin-1", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 20:
                yield number, f"{len(fields)} fields, expected {len(NHTSA_FIELDS)}"
                continue
            record = dict(zip(NHTSA_FIELDS, fields + [""] * (len(NHTSA_FIELDS) - len(fields)), strict=False))
            if record["MAKETXT"].strip().upper() not in wanted:
                yield number, f"make {record['MAKETXT'].strip() or '(none)'} is not ours"
                continue
            added = _yyyymmdd(record["DATEA"]) or _yyyymmdd(record["LDATE"])
            if not record["CMPLID"].strip() or added is None:
                yield number, "no complaint id or date added"
                continue
            serious = "Y" in (record["CRASH"], record["FIRE"]) or any(
                (record[k].strip() or "0") not in ("0", "") for k in ("INJURED", "DEATHED")
            )
            miles = record["MILES"].strip()
            yield (
                number,
                {
                    "source_id": record["CMPLID"].strip(),
                    "created_at": dt.datetime.combine(added, dt.time(12), dt.timezone.utc),
                    "category": Category.PRODUCT_DEFECT.value,
                    "model_text": f"{record['MODELTXT'].strip()}",
                    "part_text": record["COMPDESC"].strip(),
                    "vehicle_model": map_model(record["MODELTXT"]),
                    "part": map_component(record["COMPDESC"]),
                    "dealer": record["DEALER_NAME"].strip() or None,
                    "channel": "nhtsa",
                    "language": Language.EN.value,
                    "priority": (Priority.URGENT if serious else Priority.NORMAL).value,
                    "status": TicketStatus.CLOSED.value,
                    "description": record["CDESCR"].strip()[:_MAX_DESCRIPTION] or None,
                    "vin": record["VIN"].strip()[:17] or None,
                    "service_date": _yyyymmdd(record["FAILDATE"]),
                    "mileage": int(float(miles) * 1.609344) if re.fullmatch(r"\d+(\.\d+)?", miles) else None,
                },
            )


def csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line, ticket values) per row of the documented CSV layout, or (line, reason) for a bad row."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"the CSV header lacks {', '.join(missing)} (see README, Importing complaints)")
        for row in reader:
            number = reader.line_num
            values = {k: (v or "").strip() for k, v in row.items() if k}
            try:
                created = _instant(values["created_at"])
                resolved = _instant(values.get("resolved_at", ""))
            except ValueError:
                yield number, f"bad date {values['created_at']!r}"
                continue
            if not values["source_id"] or created is None:
                yield number, "no source_id or created_at"
                continue
            category = values["category"]
            if category not in {c.value for c in Category}:
                yield number, f"unknown category {category!r}"
                continue
            csat = values.get("csat", "")
            mileage = values.get("mileage", "")
            yield (
                number,
                {
                    "source_id": values["source_id"],
                    "created_at": created,
                    "category": category,
                    "model_text": values.get("vehicle_model", ""),
                    "part_text": values.get("part", ""),
                    "vehicle_model": map_model(values.get("vehicle_model")),
                    "part": map_part(values.get("part")),
                    "dealer": values.get("dealer") or None,
                    "channel": values.get("channel") or "import",
                    "language": values.get("language") if values.get("language") in ("zh", "en") else "zh",
                    "priority": values.get("priority")
                    if values.get("priority") in {p.value for p in Priority}
                    else "normal",
                    "status": values.get("status")
                    if values.get("status") in {s.value for s in TicketStatus}
                    else "closed",
                    "description": (values.get("description") or "")[:_MAX_DESCRIPTION] or None,
                    "customer_name": values.get("customer_name") or None,
                    "phone": values.get("phone") or None,
                    "vin": (values.get("vin") or "")[:17] or None,
                    "mileage": int(mileage) if mileage.isdigit() else None,
                    "resolved_at": resolved,
                    "csat": int(csat) if csat in ("1", "2", "3", "4", "5") else None,
                },
            )


def import_file(
    connection: Connection, path: Path, file_format: str, source: str | None = None
) -> ImportResult:
    """Import a csv or nhtsa file into the store in one transaction; what happened."""
    source = source or file_format
    rows = nhtsa_rows(path) if file_format == "nhtsa" else csv_rows(path)
    result = ImportResult()
    accepted: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, row in rows:
        result.read += 1
        if isinstance(row, str):
            result.skipped.append((number, row))
            continue
        if row["source_id"] in accepted:
            result.already += 1
            continue
        accepted[row["source_id"]] = (number, row)
    existing: set[str] = set()
    key_list = [f"import:{source}:{source_id}" for source_id in accepted]
    for start in range(0, len(key_list), 500):
        chunk = key_list[start : start + 500]
        marks = ", ".join(f":k{i}" for i in range(len(chunk)))
        found = connection.execute(
            text(f"SELECT conversation_key FROM tickets WHERE conversation_key IN ({marks})"),
            {f"k{i}": key for i, key in enumerate(chunk)},
        )
        existing.update(found.scalars())
    result.already += len(existing)
    fresh = [
        (n, row) for source_id, (n, row) in accepted.items() if f"import:{source}:{source_id}" not in existing
    ]
    for number, row in fresh:  # reported for the rows imported now, not for those imported before
        if row["model_text"] and row["vehicle_model"] is None:
            result.unmapped.append((number, f"model {row['model_text']!r}"))
        if row["part_text"] and row["part"] is None:
            result.unmapped.append((number, f"part {row['part_text']!r}"))
    new = sorted((row for _, row in fresh), key=lambda r: r["created_at"])
    years: dict[int, int] = {}
    for row in new:
        year = row["created_at"].astimezone(_LOCAL).year
        years[year] = years.get(year, 0) + 1
    numbers = {year: reserve_references(connection, year, n) for year, n in sorted(years.items())}

    def tickets() -> Iterator[tuple[Any, ...]]:
        for row in new:
            year = row["created_at"].astimezone(_LOCAL).year
            number, numbers[year] = numbers[year], numbers[year] + 1
            yield (
                format_reference(year, number),
                row["category"],
                row["status"],
                row["priority"],
                row["channel"],
                f"import-{source}-{row['source_id']}",
                f"import:{source}:{row['source_id']}",
                row["language"],
                row.get("customer_name"),
                row.get("phone"),
                row["vehicle_model"],
                row.get("vin"),
                row["dealer"],
                row.get("service_date"),
                row["part"],
                row.get("mileage"),
                row["description"],
                row["created_at"],
                row["created_at"],
                row.get("resolved_at"),
                row.get("csat"),
                0,
            )

    result.imported = insert_rows(connection, "tickets", _TICKET_COLUMNS, tickets())
    return result
