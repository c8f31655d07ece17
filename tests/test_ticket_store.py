"""The ticket store on SQLite and PostgreSQL: filing, references, idempotency, lookups, audit trail, CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.constants import Category, Priority, Role, TicketStatus
from bot.db.engine import database_url, dispose_shared_engine, shared_engine
from bot.db.migrate import head_revision, owned_by_us, upgrade
from bot.db.schema import Base
from bot.runtime.settings import PROJECT_ROOT
from bot.tickets.models import EventKind
from bot.tickets.reference import REFERENCE_PATTERN
from bot.tickets.store import TicketDraft, TicketNotFound, TicketStore, ticket_to_dict

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest) -> str:
    """Each test runs on both databases."""
    return request.getfixturevalue(f"{request.param}_url")


def draft(**fields: object) -> TicketDraft:
    """A blower-case draft from a new conversation, with `fields` overriding."""
    sender = f"store-{uuid.uuid4().hex[:8]}"
    values: dict[str, object] = {
        "conversation_key": f"{sender}:1.0",
        "category": Category.REPAIR_COMPLAINT.value,
        "channel": "web",
        "sender_id": sender,
        "language": "zh",
        "transcript": [
            {"role": "customer", "text": "空调修了还是不制冷", "at": NOW},
            {"role": "bot", "text": "非常抱歉", "at": NOW + dt.timedelta(seconds=1)},
        ],
        "secondary_category": Category.PRICING_DISPUTE.value,
        "phone": "+8613812345678",
        "vehicle_model": "Passat",
        "service_date": "2026-11-13",
        "part": "air_conditioning",
        "quoted_amount": "200",
        "charged_amount": 1000.5,
        "mileage": "35000",
        "dealer": "成都南4S店",
        "description": "空调修了还是不制冷",
    }
    values.update(fields)
    return TicketDraft(**values)  # type: ignore[arg-type]


def test_migrations_create_every_table_and_match_the_models(url: str) -> None:
    assert upgrade(url) == head_revision()  # a second upgrade is a no-op
    engine = shared_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"customers", "tickets", "ticket_messages", "ticket_events", "attachments"} <= tables
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": owned_by_us}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_filed_ticket_has_a_reference_every_field_and_the_transcript(url: str) -> None:
    store = TicketStore(url)
    ticket = ticket_to_dict(store.file_ticket(draft()))
    assert REFERENCE_PATTERN.fullmatch(ticket["reference"])
    assert ticket["reference"].startswith(f"CMP-{dt.date.today().year}-")
    assert ticket["status"] == TicketStatus.OPEN
    assert ticket["priority"] == Priority.NORMAL
    assert ticket["service_date"] == "2026-11-13"
    assert ticket["quoted_amount"] == 200 and ticket["charged_amount"] == 1000.5
    assert ticket["mileage"] == 35000
    assert [line["role"] for line in ticket["transcript"]] == ["customer", "bot"]
    assert ticket["transcript"][0]["at"] == NOW.isoformat()
    expected = {
        "reference", "category", "secondary_category", "status", "priority", "channel", "sender_id",
        "language", "customer_name", "phone", "vehicle_model", "vin", "license_plate", "dealer",
        "service_date", "part", "quoted_amount", "charged_amount", "mileage", "location", "description",
        "created_at", "transcript",
    }  # fmt: skip
    assert expected <= set(ticket)
    json.dumps(ticket, ensure_ascii=False)  # JSON-ready as it is


def test_filing_is_idempotent_per_conversation_key(url: str) -> None:
    store = TicketStore(url)
    same = draft()
    first = store.file_ticket(same)
    again = store.file_ticket(same)
    assert again.reference == first.reference
    assert len(store.find_by_conversation(same.sender_id)) == 1


def test_concurrent_filings_get_distinct_references_and_one_ticket_per_key(url: str) -> None:
    store = TicketStore(url)
    drafts = [draft() for _ in range(12)]
    retried = drafts[:4]  # the same intakes again, as a retried action would
    with ThreadPoolExecutor(max_workers=8) as pool:
        tickets = list(pool.map(store.file_ticket, drafts + retried))
    references = [t.reference for t in tickets[:12]]
    assert len(set(references)) == 12
    assert [t.reference for t in tickets[12:]] == references[:4]


def test_priority_rules(url: str) -> None:
    store = TicketStore(url)
    assert store.file_ticket(draft(description="开着开着刹车失灵了")).priority == Priority.URGENT
    assert store.file_ticket(draft(description="the engine started smoking")).priority == Priority.URGENT
    roadside = draft(category=Category.ROADSIDE_ASSISTANCE.value, description="爆胎了")
    assert store.file_ticket(roadside).priority == Priority.URGENT
    assert store.file_ticket(draft(description="空调修了两次了还是不制冷")).priority == Priority.HIGH
    assert store.file_ticket(draft(description="the noise came back again")).priority == Priority.HIGH
    praise = draft(category=Category.COMPLIMENT.value, description="王师傅服务很好")
    assert store.file_ticket(praise).priority == Priority.LOW


def test_status_is_shown_only_with_the_phone_on_the_ticket(url: str) -> None:
    store = TicketStore(url)
    ticket = store.file_ticket(draft())
    assert store.status_for_customer(ticket.reference, "+8613812345678") == TicketStatus.OPEN
    assert store.status_for_customer(ticket.reference, "+8613700000000") is None
    assert store.status_for_customer("CMP-1999-000001", "+8613812345678") is None


def test_customer_is_kept_by_phone(url: str) -> None:
    store = TicketStore(url)
    phone = f"+86139{uuid.uuid4().int % 10**8:08d}"
    first = store.file_ticket(draft(phone=phone, customer_name=None))
    second = store.file_ticket(draft(phone=phone, customer_name="李先生"))
    assert first.customer_id == second.customer_id is not None


def test_agent_changes_are_audited(url: str) -> None:
    store = TicketStore(url)
    reference = store.file_ticket(draft()).reference
    store.update_field(reference, "phone", "+8613912345678", actor="agent:wang")
    store.assign(reference, "wang", actor="lead:zhao")
    store.add_note(reference, "客户要求退还差价", actor="agent:wang")
    store.add_message(reference, Role.AGENT, "您好,我们已联系经销商")
    store.set_status(reference, TicketStatus.RESOLVED, actor="agent:wang")
    ticket = store.get(reference)
    assert ticket is not None
    assert ticket.phone == "+8613912345678" and ticket.status == TicketStatus.RESOLVED
    kinds = [event.kind for event in ticket.events]
    assert kinds == [
        EventKind.CREATED,
        EventKind.FIELD_CHANGED,
        EventKind.ASSIGNED,
        EventKind.NOTE,
        EventKind.STATUS_CHANGED,
    ]
    assert ticket.events[1].detail == {"field": "phone", "old": "+8613812345678", "new": "+8613912345678"}
    assert ticket.messages[-1].role == Role.AGENT
    with pytest.raises(ValueError):
        store.update_field(reference, "reference", "CMP-2026-999999", actor="agent:wang")
    with pytest.raises(TicketNotFound):
        store.set_status("CMP-1999-000001", TicketStatus.CLOSED, actor="agent:wang")


def test_bad_values_are_dropped_not_stored(url: str) -> None:
    store = TicketStore(url)
    ticket = store.file_ticket(
        draft(service_date="上周五", quoted_amount="a lot", mileage=None, dealer="店" * 500)
    )
    assert ticket.service_date is None and ticket.quoted_amount is None
    assert ticket.dealer == "店" * 200
    assert ticket_to_dict(ticket)["charged_amount"] == Decimal("1000.5")


def _bot(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `bot` CLI against `url`."""
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )


def test_cli_lists_and_shows_tickets(url: str) -> None:
    store = TicketStore(url)
    reference = store.file_ticket(draft()).reference

    listed = _bot(url, "tickets", "list", "--status", "open", "--json")
    assert listed.returncode == 0, listed.stderr
    documents = json.loads(listed.stdout)
    assert reference in [d["reference"] for d in documents]
    assert all(d["status"] == "open" for d in documents)

    shown = _bot(url, "tickets", "show", reference, "--json")
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["reference"] == reference and document["phone"] == "+8613812345678"
    assert document["transcript"][0] == {
        "role": "customer",
        "text": "空调修了还是不制冷",
        "at": NOW.isoformat(),
    }

    table = _bot(url, "tickets", "list")
    assert reference in table.stdout and "+86138****5678" in table.stdout
    text = _bot(url, "tickets", "show", reference)
    assert "成都南4S店" in text.stdout and "customer: 空调修了还是不制冷" in text.stdout
    missing = _bot(url, "tickets", "show", "CMP-1999-000001")
    assert missing.returncode == 1 and "no ticket" in missing.stderr


def test_db_upgrade_command(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    result = _bot(url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert head_revision() in result.stdout
    assert "tickets" in inspect(shared_engine(url)).get_table_names()


def test_embedded_default_is_sqlite_under_var_in_wal_mode(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # var/ is relative to the working directory (the repo root when run)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = database_url()
    assert url == "sqlite:///var/bot.db"
    upgrade(url)
    with shared_engine(url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (Path(str(tmp_path)) / "var" / "bot.db").exists()
    dispose_shared_engine(url)
